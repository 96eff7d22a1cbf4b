/**
 * What the web app's E2EE session sees of a key manager, pairwise (KeyManager) or MLS
 * (MlsKeyManager): the events both emit, their status and the result of opening a chat message.
 */

/** Why an envelope or chat message from a member was refused. */
export type RejectReason =
  | 'bad-signature'
  | 'bad-link-mac'
  | 'undecryptable'
  | 'malformed'
  | 'unknown-member'
  | 'stale'
  /** An MLS commit from this member that the admission rules or MLS itself refused. */
  | 'refused-commit';

export type KeyManagerEvents = {
  /** Switch outgoing encryption to this key now (already acknowledged by the others or timed out). */
  senderKey: [{ epoch: number; key: Uint8Array }];
  /** Install at once for decrypting `memberId` (its frames carry KID sender index = senderIndex, epoch). */
  receiverKey: [{ memberId: string; senderIndex: number; epoch: number; key: Uint8Array }];
  /** Forget every key of a member who left. */
  receiverRemoved: [{ memberId: string; senderIndex: number }];
  /** An envelope or chat failed verification (bad signature, wrong link MAC, undecryptable). */
  rejected: [{ memberId: string; reason: RejectReason }];
  /**
   * A trusted member sent us the committee secret (sealed to us, signed by them). Whether to take
   * it (who may hand it out) is the caller's decision. The bytes are a copy owned by the listener.
   */
  committeeSecret: [{ memberId: string; secret: Uint8Array }];
  /**
   * Group key agreement (MLS) only: the room's safety code of the group's current epoch, the same
   * on every member's screen. The pairwise manager never emits it (its room code comes from the
   * identity keys).
   */
  roomCode: [string];
};

export interface KeyManagerStatus {
  /** Newest epoch of our sender key (switched to when `pendingAcks` is 0). */
  readonly epoch: number;
  /** Members whose acknowledgement of that epoch is still awaited. */
  readonly pendingAcks: number;
  /** Members whose current key we hold. */
  readonly knownSenders: number;
}

export type OpenChatResult = { ok: true; text: string } | { ok: false; reason: string };
