import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import type { CommitteeRequester } from './CommitteeRequester.ts';

/**
 * Whether `self` must be given the floor before speaking, as the server decides it (a participant
 * of a committee session, outside free discussion, who does not have the floor). The chair and the
 * secretaries speak at will; observers do not publish at all.
 */
export function microphoneNeedsFloor(committee: CommitteeState | null, self: MemberInfo | null): boolean {
  if (committee === null || self === null || self.role !== 'participant') {
    return false;
  }
  return !committee.freeDiscussion && committee.floor.speaker !== self.memberId;
}

/** The first raised hand, the one the chair gives the floor to next; null when nobody asked. */
export function nextHand(committee: CommitteeState | null): string | null {
  return committee?.floor.queue[0] ?? null;
}

/**
 * The chair gives the floor to the first raised hand (a button and the cockpit's shortcut). Resolves
 * false when no hand is raised (nothing asked of the server); rejects with the server's refusal.
 */
export async function giveFloorToNextHand(
  client: CommitteeRequester,
  committee: CommitteeState | null,
): Promise<boolean> {
  const memberId = nextHand(committee);
  if (memberId === null) {
    return false;
  }
  await client.committeeRequest('giveFloor', { memberId });
  return true;
}
