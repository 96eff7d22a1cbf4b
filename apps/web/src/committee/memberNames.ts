import type { CommitteeState } from '@confidentiel/protocol';
import type { MeetingState } from '../media/meetingState.ts';

/**
 * Display names by member id: the members present first, then anyone the
 * attendance remembers (someone who spoke or voted and has left since).
 */
export function memberNames(meeting: MeetingState, committee: CommitteeState): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of committee.attendance) {
    names.set(entry.memberId, entry.displayName);
  }
  for (const member of meeting.members) {
    names.set(member.memberId, member.displayName);
  }
  if (meeting.self) {
    names.set(meeting.self.memberId, meeting.self.displayName);
  }
  return names;
}
