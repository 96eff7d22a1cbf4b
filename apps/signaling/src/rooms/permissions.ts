import type { MemberRole } from '@confidentiel/protocol';

/**
 * Who may do what in a room, decided on the server only (a browser's claim
 * of being a moderator is never trusted). Each check answers `null` (allowed)
 * or the reason of the refusal, shown to the person who tried.
 */

export type ModerationAction =
  'admit' | 'lock' | 'mute' | 'stop-video' | 'remove' | 'set-role' | 'end-meeting';

export function isModerator(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

/** Ranks: a moderator acts only on people below them (a co-host cannot remove the host). */
const RANK: Record<MemberRole, number> = { host: 3, 'co-host': 2, participant: 1, observer: 0 };

/** May `actor` do `action` (at all)? */
export function refuseAction(actor: MemberRole, action: ModerationAction): string | null {
  if (action === 'end-meeting') {
    return actor === 'host' ? null : 'only a host can end the meeting for everyone';
  }
  return isModerator(actor) ? null : 'only hosts and co-hosts can do this';
}

/** May `actor` do `action` to a member whose role is `target`? */
export function refuseActionOn(
  actor: MemberRole,
  action: ModerationAction,
  target: MemberRole,
  newRole?: MemberRole,
): string | null {
  const general = refuseAction(actor, action);
  if (general !== null) {
    return general;
  }
  if (RANK[target] >= RANK[actor]) {
    return `a ${actor} cannot act on a ${target}`;
  }
  if (action === 'set-role' && newRole !== undefined && RANK[newRole] >= RANK[actor]) {
    return `a ${actor} cannot make someone ${newRole}`;
  }
  return null;
}

/** Observers follow the meeting without publishing media. */
export function mayPublish(role: MemberRole): boolean {
  return role !== 'observer';
}
