import { equalBytes, type Bytes } from './bytes.ts';
import { epochGeneration, ratchetKeyBy } from './KeyDerivation.ts';
import type { RemoteMember } from './RemoteMember.ts';

/** A sender key of one epoch. */
export interface EpochKey {
  readonly epoch: number;
  readonly key: Bytes;
}

/** Another member as the pairwise key manager tracks it. */
export interface PairwisePeer {
  readonly member: RemoteMember;
  /** Our oldest epoch this member may be given: keys from before it joined are never sent to it. */
  entitledFrom: number;
  /** The newest key of this member's we hold. */
  receiving: EpochKey | undefined;
  /** Our newest epoch this member holds: acknowledged, or ratcheted from an acknowledged one. */
  confirmed: number | undefined;
  lastKeyReplyAt: number;
}

export function newPairwisePeer(member: RemoteMember, entitledFrom: number): PairwisePeer {
  return { member, entitledFrom, receiving: undefined, confirmed: undefined, lastKeyReplyAt: -Infinity };
}

/**
 * How a key a member sent relates to the one we hold of it:
 * - `newer`: a later epoch (or the first key): install it;
 * - `repeat`: the same epoch and bytes (a resend, or a key we had ratchetted to ourselves);
 * - `on-chain`: an earlier epoch of the same generation that ratchets forward to the key we hold
 *   (sealed before the sender saw joins we have already ratchetted for);
 * - `stale`: anything else older (a replay): installing it would roll the receiver back.
 */
export async function compareReceivedKey(
  held: EpochKey | undefined,
  received: EpochKey,
): Promise<'newer' | 'repeat' | 'on-chain' | 'stale'> {
  if (held === undefined || received.epoch > held.epoch) {
    return 'newer';
  }
  if (received.epoch === held.epoch) {
    return equalBytes(received.key, held.key) ? 'repeat' : 'stale';
  }
  if (epochGeneration(received.epoch) !== epochGeneration(held.epoch)) {
    return 'stale';
  }
  const forward = await ratchetKeyBy(received.key, held.epoch - received.epoch);
  const consistent = equalBytes(forward, held.key);
  forward.fill(0);
  return consistent ? 'on-chain' : 'stale';
}
