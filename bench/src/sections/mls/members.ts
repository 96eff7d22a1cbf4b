/**
 * The simulated room's members: real identities (createLocalIdentity: P-256 keys and the invite
 * link's MAC) and real key packages (our credential, signed by the identity key). Making them
 * costs a few ms each, so the members of the rooms already there are made once and shared by
 * every room size; a newcomer's key package is made during its join (its own work, measured).
 */
import { createLocalIdentity, newLinkSecret, type LocalIdentity } from '@confidentiel/e2ee';
import {
  generateMlsKeyPackage,
  type AdmittedMember,
  type MlsContext,
  type MlsKeyPackageBundle,
} from '@confidentiel/e2ee/mls';
import type { MemberRole } from '@confidentiel/protocol';

/** A member as signaling knows it, with the private side its browser holds. */
export interface SimIdentity {
  readonly memberId: string;
  readonly senderIndex: number;
  readonly role: MemberRole;
  readonly identity: LocalIdentity;
}

export interface SimMember extends SimIdentity {
  readonly bundle: MlsKeyPackageBundle;
}

/** A member id as signaling makes them: 12 random bytes, base64url (16 characters). */
function newMemberId(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(12))).toString('base64url');
}

export async function makeIdentity(
  senderIndex: number,
  role: MemberRole,
  linkSecret: string,
): Promise<SimIdentity> {
  return { memberId: newMemberId(), senderIndex, role, identity: await createLocalIdentity({ linkSecret }) };
}

/** This member's key package: what its browser makes before `mlsJoin`. */
export function makeKeyPackage(member: SimIdentity, context: MlsContext): Promise<MlsKeyPackageBundle> {
  const claim = {
    memberId: member.memberId,
    senderIndex: member.senderIndex,
    identity: member.identity.publicKeys,
  };
  return generateMlsKeyPackage(claim, member.identity, context.suite);
}

/** How signaling announces a member to the room (what the admission rules compare a credential with). */
export function announce(member: SimIdentity): AdmittedMember {
  return {
    memberId: member.memberId,
    senderIndex: member.senderIndex,
    identity: member.identity.publicKeys,
    role: member.role,
  };
}

/**
 * Members for rooms of up to `count`: the first is the host, the others participants, sender
 * indexes from 1. Newcomers get sender indexes after them (`nextSenderIndex`).
 */
export class MemberPool {
  readonly linkSecret: string;
  readonly members: readonly SimMember[];
  #nextSenderIndex: number;

  private constructor(linkSecret: string, members: SimMember[]) {
    this.linkSecret = linkSecret;
    this.members = members;
    this.#nextSenderIndex = members.length + 1;
  }

  static async create(count: number, context: MlsContext): Promise<MemberPool> {
    if (context.linkSecret === undefined) {
      throw new TypeError('the simulated room has an invite link secret: its credentials carry link MACs');
    }
    const members: SimMember[] = [];
    for (let i = 0; i < count; i++) {
      const identity = await makeIdentity(i + 1, i === 0 ? 'host' : 'participant', context.linkSecret);
      members.push({ ...identity, bundle: await makeKeyPackage(identity, context) });
    }
    return new MemberPool(context.linkSecret, members);
  }

  /** A fresh link secret, for a context. */
  static linkSecret(): string {
    return newLinkSecret();
  }

  /** The first `count` members (the host first). */
  take(count: number): readonly SimMember[] {
    if (count > this.members.length) {
      throw new RangeError(`the pool has ${this.members.length} members, not ${count}`);
    }
    return this.members.slice(0, count);
  }

  /** A newcomer's identity (its key package is its own work: made during the join). */
  newcomer(): Promise<SimIdentity> {
    return makeIdentity(this.#nextSenderIndex++, 'participant', this.linkSecret);
  }
}
