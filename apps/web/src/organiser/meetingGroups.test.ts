import type { MeetingSummary } from '@confidentiel/protocol';
import { describe, expect, it } from 'vitest';
import { groupMeetings, ONGOING_MS } from './meetingGroups.ts';

function meeting(title: string, startsAt: number): MeetingSummary {
  return {
    meetingId: `${title}`.padEnd(22, 'x'),
    title,
    kind: 'meeting',
    startsAt,
    status: 'scheduled',
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
});
