import type { MeetingStatus } from '@confidentiel/protocol';

/**
 * What happens to a meeting that moves its status:
 * - `opened`: someone entered its room (an admitted member: the lobby does not count). With early
 *   entry that may be a guest before any host; after a host ended the meeting only a host can
 *   enter (EndedMeetings), so a reopening is a host's arrival.
 * - `ended-by-host`: a host ended the meeting for everyone.
 * - `emptied`: the last member left its room.
 * - `cancel`: its organiser cancelled it.
 */
export type MeetingEvent = 'opened' | 'ended-by-host' | 'emptied' | 'cancel';

/** The meeting's latest session: from the room's opening to its end (null while it runs). */
export interface MeetingSession {
  startedAt: number;
  endedAt: number | null;
}

/** The part of a meeting its events move. */
export interface MeetingStatusState {
  status: MeetingStatus;
  lastSession: MeetingSession | null;
}

/**
 * Why an event changes nothing:
 * - `unknown`: no such meeting;
 * - `cancelled`: a cancelled meeting is final (nobody enters it, it never opens);
 * - `not-live`: an end, but the meeting was never opened;
 * - `live`, `held`: a cancellation of a meeting under way, or already held (its record stays true).
 */
export type MeetingStatusRefusal = 'unknown' | 'cancelled' | 'not-live' | 'live' | 'held';

export type MeetingStatusTransition =
  | { kind: 'changed'; next: MeetingStatusState }
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: MeetingStatusRefusal };

const UNCHANGED: MeetingStatusTransition = { kind: 'unchanged' };

function refused(reason: MeetingStatusRefusal): MeetingStatusTransition {
  return { kind: 'refused', reason };
}

function unreachable(value: never): never {
  throw new TypeError(`unexpected meeting status event or status: ${String(value)}`);
}

/**
 * The one rule of a meeting's status: scheduled → live (opened) → ended (ended by a host, or
 * emptied) → live again (reopened, a new session), and scheduled → cancelled, final. An event
 * that repeats the current status (a second member entering a live meeting, a second end) is
 * `unchanged`; one that does not apply is `refused` and changes nothing. `at`: when it happened.
 * Pure: the stores apply its answer conditionally on the state it was decided from.
 */
export function nextMeetingStatus(
  current: MeetingStatusState | undefined,
  event: MeetingEvent,
  at: number,
): MeetingStatusTransition {
  if (current === undefined) {
    return refused('unknown');
  }
  const { status } = current;
  switch (event) {
    case 'opened':
      switch (status) {
        case 'scheduled':
        case 'ended':
          return { kind: 'changed', next: { status: 'live', lastSession: { startedAt: at, endedAt: null } } };
        case 'live':
          return UNCHANGED;
        case 'cancelled':
          return refused('cancelled');
        default:
          return unreachable(status);
      }
    case 'ended-by-host':
    case 'emptied':
      switch (status) {
        case 'live':
          return {
            kind: 'changed',
            next: {
              status: 'ended',
              // A live meeting has its session; `at` stands in should a record lack it.
              lastSession: { startedAt: current.lastSession?.startedAt ?? at, endedAt: at },
            },
          };
        case 'ended':
          return UNCHANGED;
        case 'scheduled':
          return refused('not-live');
        case 'cancelled':
          return refused('cancelled');
        default:
          return unreachable(status);
      }
    case 'cancel':
      switch (status) {
        case 'scheduled':
          return { kind: 'changed', next: { status: 'cancelled', lastSession: current.lastSession } };
        case 'cancelled':
          return UNCHANGED;
        case 'live':
          return refused('live');
        case 'ended':
          return refused('held');
        default:
          return unreachable(status);
      }
    default:
      return unreachable(event);
  }
}
