import { describe, expect, it } from 'vitest';
import type { MeetingStatus } from '@confidentiel/protocol';
import {
  nextMeetingStatus,
  type MeetingEvent,
  type MeetingStatusState,
  type MeetingStatusTransition,
} from '../../src/meetings/meetingStatus.ts';

const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const T1 = T0 + 60 * 60_000;
const T2 = T1 + 60 * 60_000;

const scheduled: MeetingStatusState = { status: 'scheduled', lastSession: null };
const live: MeetingStatusState = { status: 'live', lastSession: { startedAt: T0, endedAt: null } };
const ended: MeetingStatusState = { status: 'ended', lastSession: { startedAt: T0, endedAt: T1 } };
const cancelled: MeetingStatusState = { status: 'cancelled', lastSession: null };

const byStatus: Record<MeetingStatus, MeetingStatusState> = { scheduled, live, ended, cancelled };

/** Every (status, event) pair and its one expected answer. */
const table: Array<[MeetingStatus, MeetingEvent, MeetingStatusTransition]> = [
  [
    'scheduled',
    'opened',
    { kind: 'changed', next: { status: 'live', lastSession: { startedAt: T2, endedAt: null } } },
  ],
  ['scheduled', 'ended-by-host', { kind: 'refused', reason: 'not-live' }],
  ['scheduled', 'emptied', { kind: 'refused', reason: 'not-live' }],
  ['scheduled', 'cancel', { kind: 'changed', next: { status: 'cancelled', lastSession: null } }],
  ['live', 'opened', { kind: 'unchanged' }],
  [
    'live',
    'ended-by-host',
    { kind: 'changed', next: { status: 'ended', lastSession: { startedAt: T0, endedAt: T2 } } },
  ],
  [
    'live',
    'emptied',
    { kind: 'changed', next: { status: 'ended', lastSession: { startedAt: T0, endedAt: T2 } } },
  ],
  ['live', 'cancel', { kind: 'refused', reason: 'live' }],
  // Reopened: a new session, from the time it reopened.
  [
    'ended',
    'opened',
    { kind: 'changed', next: { status: 'live', lastSession: { startedAt: T2, endedAt: null } } },
  ],
  ['ended', 'ended-by-host', { kind: 'unchanged' }],
  ['ended', 'emptied', { kind: 'unchanged' }],
  ['ended', 'cancel', { kind: 'refused', reason: 'held' }],
  ['cancelled', 'opened', { kind: 'refused', reason: 'cancelled' }],
  ['cancelled', 'ended-by-host', { kind: 'refused', reason: 'cancelled' }],
  ['cancelled', 'emptied', { kind: 'refused', reason: 'cancelled' }],
  ['cancelled', 'cancel', { kind: 'unchanged' }],
];

describe('a meeting status follows its room', () => {
  it.each(table)('%s + %s', (status, event, expected) => {
    expect(nextMeetingStatus(byStatus[status], event, T2)).toEqual(expected);
  });

  it('covers every status and event (the table is complete)', () => {
    const pairs = new Set(table.map(([status, event]) => `${status}/${event}`));
    expect(pairs.size).toBe(4 * 4);
  });

  it('never opens a cancelled meeting, whatever happens to it', () => {
    for (const event of ['opened', 'ended-by-host', 'emptied', 'cancel'] as const) {
      const answer = nextMeetingStatus(cancelled, event, T2);
      expect(answer.kind === 'changed').toBe(false);
    }
  });

  it('changes nothing for an unknown meeting', () => {
    for (const event of ['opened', 'ended-by-host', 'emptied', 'cancel'] as const) {
      expect(nextMeetingStatus(undefined, event, T2)).toEqual({ kind: 'refused', reason: 'unknown' });
    }
  });

  it('runs a whole day: opened, emptied, reopened, ended by a host', () => {
    let state = scheduled;
    const step = (event: MeetingEvent, at: number): void => {
      const answer = nextMeetingStatus(state, event, at);
      if (answer.kind === 'changed') {
        state = answer.next;
      }
    };
    step('opened', T0);
    step('opened', T0 + 1_000);
    expect(state).toEqual({ status: 'live', lastSession: { startedAt: T0, endedAt: null } });
    step('emptied', T1);
    expect(state).toEqual({ status: 'ended', lastSession: { startedAt: T0, endedAt: T1 } });
    step('opened', T1 + 5_000);
    step('ended-by-host', T2);
    step('emptied', T2 + 1_000);
    expect(state).toEqual({ status: 'ended', lastSession: { startedAt: T1 + 5_000, endedAt: T2 } });
    expect(nextMeetingStatus(state, 'cancel', T2)).toEqual({ kind: 'refused', reason: 'held' });
  });

  it('does not mutate the state it is given', () => {
    const before = structuredClone(live);
    nextMeetingStatus(live, 'emptied', T2);
    expect(live).toEqual(before);
  });
});
