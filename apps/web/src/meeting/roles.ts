import type { MemberRole } from '@confidentiel/protocol';

/** Hosts and co-hosts see the lobby and the moderation controls (the server still decides). */
export function isModeratorRole(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

const RANK: Record<MemberRole, number> = { host: 3, 'co-host': 2, participant: 1, observer: 0 };

/** Whether `actor` may act on `target` (mirrors the server's rule, to hide pointless buttons). */
export function outranks(actor: MemberRole, target: MemberRole): boolean {
  return isModeratorRole(actor) && RANK[actor] > RANK[target];
}
