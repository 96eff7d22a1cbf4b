import type { MeetingStatus, MeetingSummary } from '@confidentiel/protocol';
import { describe, expect, it } from 'vitest';
import { groupMeetings, ONGOING_MS } from './meetingGroups.ts';

function meeting(title: string, startsAt: number, status: MeetingStatus = 'scheduled'): MeetingSummary {
  return {
    meetingId: `${title}`.padEnd(22, 'x'),
    title,
    kind: 'meeting',
    startsAt,
    status,
    lastSession:
      status === 'live' || status === 'ended'
        ? { startedAt: startsAt, endedAt: status === 'ended' ? startsAt + 1 : null }
        : null,
    allowEarlyEntry: false,
    createdAt: 0,
  };
}

describe('dashboard meeting groups', () => {
  it('lists upcoming meetings soonest first and past ones most recent first', () => {
    const now = 10 * ONGOING_MS;
    const { upcoming, past } = groupMeetings(
      [
        meeting('later', now + 2_000),
        meeting('old', now - 3 * ONGOING_MS),
        meeting('soon', now + 1_000),
        meeting('recent', now - 2 * ONGOING_MS),
      ],
      now,
    );
    expect(upcoming.map((m) => m.title)).toEqual(['soon', 'later']);
    expect(past.map((m) => m.title)).toEqual(['recent', 'old']);
  });

  it('keeps a meeting that started a moment ago among the upcoming ones', () => {
    const now = 10 * ONGOING_MS;
    const { upcoming, past } = groupMeetings([meeting('now', now - 60_000)], now);
    expect(upcoming).toHaveLength(1);
    expect(past).toHaveLength(0);
  });

  it('does not reorder the list it was given', () => {
    const list = [meeting('b', 2), meeting('a', 1)];
    groupMeetings(list, 0);
    expect(list.map((m) => m.title)).toEqual(['b', 'a']);
  });

  it('puts a meeting under way first among the upcoming ones, however long ago it was scheduled', () => {
    const now = 10 * ONGOING_MS;
    const { upcoming, past } = groupMeetings(
      [meeting('soon', now + 1_000), meeting('running late', now - 3 * ONGOING_MS, 'live')],
      now,
    );
    expect(upcoming.map((m) => m.title)).toEqual(['running late', 'soon']);
    expect(past).toEqual([]);
  });

  it('moves a meeting held at its date to the past at once, but keeps one held ahead of it (a rehearsal) upcoming', () => {
    const now = 10 * ONGOING_MS;
    const { upcoming, past } = groupMeetings(
      [meeting('held an hour ago', now - 60 * 60_000, 'ended'), meeting('rehearsed', now + 60_000, 'ended')],
      now,
    );
    expect(upcoming.map((m) => m.title)).toEqual(['rehearsed']);
    expect(past.map((m) => m.title)).toEqual(['held an hour ago']);
  });

  it('files a cancelled meeting by its date, as before', () => {
    const now = 10 * ONGOING_MS;
    const { upcoming, past } = groupMeetings(
      [meeting('next week', now + 7 * 24 * 3_600_000, 'cancelled'), meeting('last month', 0, 'cancelled')],
      now,
    );
    expect(upcoming.map((m) => m.title)).toEqual(['next week']);
    expect(past.map((m) => m.title)).toEqual(['last month']);
  });
});
