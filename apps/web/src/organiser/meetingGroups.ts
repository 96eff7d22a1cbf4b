import type { MeetingSummary } from '@confidentiel/protocol';

/** A meeting not opened yet stays "upcoming" this long after its start: it may start late. */
export const ONGOING_MS = 4 * 60 * 60 * 1000;

/**
 * Where the meeting belongs, from what happened in its room: one under way is upcoming (at the
 * top, whatever its date); one held is past once its date has come (held ahead of its date, a
 * rehearsal, it is still to come); the others go by date.
 */
function isUpcoming(meeting: MeetingSummary, now: number): boolean {
  switch (meeting.status) {
    case 'live':
      return true;
    case 'ended':
      return meeting.startsAt > now;
    case 'scheduled':
    case 'cancelled':
      return meeting.startsAt + ONGOING_MS > now;
    default:
      return unreachable(meeting.status);
  }
}

function unreachable(value: never): never {
  throw new TypeError(`unknown meeting status ${String(value)}`);
}

/** The dashboard's two lists: under way first, then upcoming soonest first; past most recent first. */
export function groupMeetings(
  meetings: readonly MeetingSummary[],
  now: number,
): { upcoming: MeetingSummary[]; past: MeetingSummary[] } {
  const live = (m: MeetingSummary): number => (m.status === 'live' ? 0 : 1);
  const upcoming = meetings
    .filter((m) => isUpcoming(m, now))
    .sort((a, b) => live(a) - live(b) || a.startsAt - b.startsAt || a.title.localeCompare(b.title));
  const past = meetings
    .filter((m) => !isUpcoming(m, now))
    .sort((a, b) => b.startsAt - a.startsAt || a.title.localeCompare(b.title));
  return { upcoming, past };
}
