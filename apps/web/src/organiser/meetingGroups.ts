import type { MeetingSummary } from '@confidentiel/protocol';

/** A meeting stays "upcoming" this long after its start: it may still be going on. */
export const ONGOING_MS = 4 * 60 * 60 * 1000;

/** The dashboard's two lists: upcoming soonest first, past most recent first. */
export function groupMeetings(
  meetings: readonly MeetingSummary[],
  now: number,
): { upcoming: MeetingSummary[]; past: MeetingSummary[] } {
  const upcoming = meetings
    .filter((m) => m.startsAt + ONGOING_MS > now)
    .sort((a, b) => a.startsAt - b.startsAt || a.title.localeCompare(b.title));
  const past = meetings
    .filter((m) => m.startsAt + ONGOING_MS <= now)
    .sort((a, b) => b.startsAt - a.startsAt || a.title.localeCompare(b.title));
  return { upcoming, past };
}
