import type { IdentityKeys, MemberInfo, MemberRole } from '@confidentiel/protocol';
import type { IncomingMessageCallback, Proposal } from 'ts-mls';
import { parseMlsCredential, type MlsMemberClaim } from './MlsCredential.ts';

/** A member as signaling announced it (admitted to the room now). */
export interface AdmittedMember {
  readonly memberId: string;
  readonly senderIndex: number;
  readonly identity: IdentityKeys;
  readonly role: MemberRole;
}

/** What the admission rules keep of a member signaling announced. */
export function admittedMember(member: MemberInfo): AdmittedMember {
  const { memberId, senderIndex, identity, role } = member;
  return { memberId, senderIndex, identity, role };
}

/** What a browser knows when a commit arrives: the room as announced, the group as it is. */
export interface AdmissionView {
  /** Admitted members now, by member id (this member included). */
  readonly admitted: ReadonlyMap<string, AdmittedMember>;
  /** The group's leaves before the commit: leaf index -> claim. */
  readonly roster: ReadonlyMap<number, MlsMemberClaim>;
}

export type AdmissionRefusal =
  /** A commit from outside the group (an external commit, or no sender). */
  | 'not-a-member'
  /** A proposal type we never use (PSK, re-init, external init, extensions). */
  | 'unexpected-proposal'
  /** An Add of someone signaling did not announce as admitted, or with other keys. */
  | 'not-admitted'
  /** An Add by a member who is not a host or co-host while one of them is in the group. */
  | 'adder-not-host'
  /** A Remove of a member who is still in the room (and not re-added in the same commit). */
  | 'remove-of-present-member'
  /** A second leaf for a member already in the group. */
  | 'duplicate-member';

export type AdmissionVerdict = { ok: true } | { ok: false; reason: AdmissionRefusal };

const MODERATORS: ReadonlySet<MemberRole> = new Set(['host', 'co-host']);

function sameIdentity(a: IdentityKeys, b: IdentityKeys): boolean {
  return a.ecdh === b.ecdh && a.sign === b.sign && (a.linkMac ?? '') === (b.linkMac ?? '');
}

/**
 * The admission rules every browser applies to every commit before it changes anything
 * (docs/adr/0013-mls-group-keys.md). Keys are released only at admission: an Add must name a
 * member signaling announced as admitted, with the very identity keys it announced (and the
 * credential's signatures and link MAC are checked by the authentication service); while a host
 * or co-host is in the group, Adds are theirs to commit. A Remove takes out only members who left
 * the room, or the old leaf of a member re-added in the same commit (it lost its state).
 * Synchronous (ts-mls calls it inside processing).
 */
export function checkCommit(
  view: AdmissionView,
  incoming: { senderLeafIndex: number | undefined; proposals: ReadonlyArray<{ proposal: Proposal }> },
): AdmissionVerdict {
  const committer =
    incoming.senderLeafIndex === undefined ? undefined : view.roster.get(incoming.senderLeafIndex);
  if (committer === undefined) {
    return { ok: false, reason: 'not-a-member' };
  }
  const added: MlsMemberClaim[] = [];
  const removed: MlsMemberClaim[] = [];
  for (const { proposal } of incoming.proposals) {
    switch (proposal.proposalType) {
      case 'add': {
        const claim = parseMlsCredential(proposal.add.keyPackage.leafNode.credential);
        const announced = claim && view.admitted.get(claim.memberId);
        if (
          claim === undefined ||
          announced === undefined ||
          announced.senderIndex !== claim.senderIndex ||
          !sameIdentity(announced.identity, claim.identity)
        ) {
          return { ok: false, reason: 'not-admitted' };
        }
        added.push(claim);
        break;
      }
      case 'remove': {
        const claim = view.roster.get(proposal.remove.removed);
        if (claim === undefined) {
          return { ok: false, reason: 'not-a-member' };
        }
        removed.push(claim);
        break;
      }
      case 'update':
        break;
      default:
        return { ok: false, reason: 'unexpected-proposal' };
    }
  }
  const addedIds = new Set(added.map((c) => c.memberId));
  if (addedIds.size !== added.length) {
    return { ok: false, reason: 'duplicate-member' };
  }
  for (const claim of removed) {
    if (view.admitted.has(claim.memberId) && !addedIds.has(claim.memberId)) {
      return { ok: false, reason: 'remove-of-present-member' };
    }
  }
  const removedLeaves = new Set(removed.map((c) => c.memberId));
  for (const [, claim] of view.roster) {
    if (addedIds.has(claim.memberId) && !removedLeaves.has(claim.memberId)) {
      return { ok: false, reason: 'duplicate-member' };
    }
  }
  if (added.length > 0) {
    const moderatorInGroup = [...view.roster.values()].some((c) => {
      const role = view.admitted.get(c.memberId)?.role;
      return role !== undefined && MODERATORS.has(role);
    });
    const committerRole = view.admitted.get(committer.memberId)?.role;
    if (moderatorInGroup && (committerRole === undefined || !MODERATORS.has(committerRole))) {
      return { ok: false, reason: 'adder-not-host' };
    }
  }
  return { ok: true };
}

/** `checkCommit` as ts-mls's callback; `onRefused` learns why (for logs and the status). */
export function admissionCallback(
  view: () => AdmissionView,
  onRefused: (reason: AdmissionRefusal) => void,
): IncomingMessageCallback {
  return (incoming) => {
    if (incoming.kind !== 'commit') {
      // Proposals travel inside commits only; a standalone one is never applied.
      return 'reject';
    }
    const verdict = checkCommit(view(), incoming);
    if (!verdict.ok) {
      onRefused(verdict.reason);
      return 'reject';
    }
    return 'accept';
  };
}
