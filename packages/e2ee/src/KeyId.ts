/**
 * The layout of the SFrame KID (64 bits at most, RFC 9605 §4.3), from the least significant bit:
 *
 * ```
 *  63                                        22 21                        2 1   0
 * +--------------------------------------------+---------------------------+-----+
 * |            key epoch (42 bits)             |   sender index (20 bits)  |kind |
 * +--------------------------------------------+---------------------------+-----+
 * ```
 *
 * - kind: 0 audio, 1 video, 2 screen (video of a screen share), 3 screen-audio.
 * - sender index: the member's index in the room, assigned once by signaling and never reused in
 *   the room's life.
 * - key epoch: the sender's key generation, bumped on every ratchet or fresh key.
 *
 * The packing is a bijection, so two (sender, epoch, kind) triples never share a KID; each track
 * has its own SenderContext counting CTR from 0 under its own KID, hence no (KID, CTR) pair is
 * used twice, and since the KID is part of the HKDF labels, each track also has its own key and
 * salt even where the sender's base key is shared. Small values give short headers: sender < 64
 * at epoch 0 fits a 1-byte KID extension.
 */
export const TRACK_KINDS = ['audio', 'video', 'screen', 'screen-audio'] as const;
export type TrackKind = (typeof TRACK_KINDS)[number];

export interface KeyIdFields {
  readonly senderIndex: number;
  readonly epoch: number;
  readonly kind: TrackKind;
}

const KIND_BITS = 2n;
const SENDER_BITS = 20n;
const EPOCH_BITS = 42n;
const SENDER_SHIFT = KIND_BITS;
const EPOCH_SHIFT = KIND_BITS + SENDER_BITS;

export const MAX_SENDER_INDEX = 2 ** Number(SENDER_BITS) - 1;
export const MAX_KEY_EPOCH = 2 ** Number(EPOCH_BITS) - 1;

function checkField(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${name} must be an integer in [0, ${max}]`);
  }
}

function pack(fields: KeyIdFields): bigint {
  checkField('senderIndex', fields.senderIndex, MAX_SENDER_INDEX);
  checkField('epoch', fields.epoch, MAX_KEY_EPOCH);
  const kind = TRACK_KINDS.indexOf(fields.kind);
  if (kind < 0) {
    throw new TypeError(`kind must be one of ${TRACK_KINDS.join(', ')}`);
  }
  return (BigInt(fields.epoch) << EPOCH_SHIFT) | (BigInt(fields.senderIndex) << SENDER_SHIFT) | BigInt(kind);
}

function unpack(kid: bigint): KeyIdFields {
  if (typeof kid !== 'bigint' || kid < 0n || kid >> (EPOCH_SHIFT + EPOCH_BITS) !== 0n) {
    throw new TypeError('kid must be a bigint in [0, 2^64 - 1]');
  }
  return {
    senderIndex: Number((kid >> SENDER_SHIFT) & ((1n << SENDER_BITS) - 1n)),
    epoch: Number(kid >> EPOCH_SHIFT),
    kind: TRACK_KINDS[Number(kid & ((1n << KIND_BITS) - 1n))]!,
  };
}

/** Packs and unpacks KIDs; see the layout above. */
export const KeyId = Object.freeze({
  pack,
  unpack,
  /** The KID with the same sender and kind at another epoch. */
  withEpoch(kid: bigint, epoch: number): bigint {
    return pack({ ...unpack(kid), epoch });
  },
});
