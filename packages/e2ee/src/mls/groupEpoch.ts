import type { KeyPackage } from 'ts-mls';
import type { AdmittedMember } from './mlsAdmission.ts';
import { decodeKeyPackage } from './mlsCodec.ts';
import { parseMlsCredential } from './MlsCredential.ts';
import type { MlsGroup, MlsLeaf } from './MlsGroup.ts';

/** A member's key package waiting to be added (or to re-add them: they lost their state). */
export interface Waiting {
  readonly keyPackage: KeyPackage;
  readonly readd: boolean;
}

/**
 * A key package signaling relayed for `memberId`, if it is one and its credential names that
 * member (checked in full when it is committed); a re-add when the member is in the group already.
 */
export function waitingPackage(
  memberId: string,
  text: string,
  group: MlsGroup | undefined,
): Waiting | undefined {
  const keyPackage = decodeKeyPackage(text);
  const claim = keyPackage && parseMlsCredential(keyPackage.leafNode.credential);
  if (keyPackage === undefined || claim === undefined || claim.memberId !== memberId) {
    return undefined;
  }
  const readd = group?.roster().some((leaf) => leaf.claim.memberId === memberId) ?? false;
  return { keyPackage, readd };
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Drops the waiting packages the group now holds (the leaf with that very signature key). */
export function settleWaiting(roster: readonly MlsLeaf[], waiting: Map<string, Waiting>): void {
  for (const leaf of roster) {
    const entry = waiting.get(leaf.claim.memberId);
    if (entry !== undefined && leaf.signatureKey === toHex(entry.keyPackage.leafNode.signaturePublicKey)) {
      waiting.delete(leaf.claim.memberId);
    }
  }
}

/**
 * The SFrame keys of the group's current epoch for the members in it who are in the room as
 * signaling announced them (same sender index): a leaf of someone who left gets no key.
 */
export async function keysOfEpoch(
  group: MlsGroup,
  admitted: ReadonlyMap<string, AdmittedMember>,
): Promise<{
  epoch: number;
  members: Array<{ memberId: string; senderIndex: number }>;
  keys: Map<number, Uint8Array>;
}> {
  const members = group
    .roster()
    .filter((leaf) => admitted.get(leaf.claim.memberId)?.senderIndex === leaf.claim.senderIndex)
    .map((leaf) => ({ memberId: leaf.claim.memberId, senderIndex: leaf.claim.senderIndex }));
  const keys = await group.senderKeys(members.map((m) => m.senderIndex));
  return { epoch: group.epoch, members, keys };
}
