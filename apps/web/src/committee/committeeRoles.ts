import type { MemberRole } from '@confidentiel/protocol';

/*
 * Who does what in a committee session. The server decides; these only hide
 * buttons that would be refused.
 */

/** The chair runs the agenda, the floor and the votes. */
export function isChair(role: MemberRole): boolean {
  return role === 'host';
}

/** The secretary (host or co-host) keeps the minutes. */
export function isSecretary(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

/** Observers follow the session but neither ask for the floor nor vote. */
export function isVotingMember(role: MemberRole): boolean {
  return role !== 'observer';
}
