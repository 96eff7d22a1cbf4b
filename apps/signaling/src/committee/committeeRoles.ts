import type { MemberRole } from '@confidentiel/protocol';

/**
 * Who does what in a committee session, decided on the server from the
 * member's current role: the host chairs; the host or a co-host keeps the
 * minutes; hosts, co-hosts and participants vote (observers never do, nor
 * anyone still in the lobby).
 */
export function isChair(role: MemberRole): boolean {
  return role === 'host';
}

export function isSecretary(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

export function mayVote(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host' || role === 'participant';
}

/** Observers follow the session; the floor is for those who speak. */
export function mayTakeFloor(role: MemberRole): boolean {
  return role !== 'observer';
}
