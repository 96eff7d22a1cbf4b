import { MAX_ENVELOPE_CHARS } from '@confidentiel/protocol';
import { MAX_KEY_EPOCH } from '../KeyId.ts';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { compareBytes, concatBytes, utf8, type Bytes } from './bytes.ts';
import { SENDER_KEY_BYTES } from './KeyDerivation.ts';

/**
 * Pairwise key envelopes: what a member seals for one other member, relayed opaquely by signaling.
 *
 * ```
 * envelope  = header || iv (12) || AES-GCM-256(ciphertext || tag 16) || signature (64)
 * header    = version (1) = 0x01 || len(from) (1) || from || len(to) (1) || to
 * signature = ECDSA-P256-SHA256(sender's sign key, "confidentiel envelope signature v1" || 0x00 || header || iv || ciphertext)
 * plaintext = type (1: 1 key, 2 ack, 3 key-request, 4 committee-secret) || epoch (8, big-endian)
 *             || key (16, for type key) | secret (32, for type committee-secret; epoch 0)
 * ```
 *
 * The AES-GCM key of the direction from -> to is
 * HKDF-SHA-256(IKM = ECDH(from, to), salt = SHA-256(sorted(ecdh_raw_from, ecdh_raw_to)),
 * info = "confidentiel envelope v1" || len(from) || from || len(to) || to), with the header as AAD.
 * Member ids are length-prefixed so no two (from, to) pairs give the same bytes.
 */
export const ENVELOPE_VERSION = 1;

const ENVELOPE_INFO = 'confidentiel envelope v1';
const SIGNATURE_CONTEXT = 'confidentiel envelope signature v1';
export const IV_BYTES = 12;
export const SIGNATURE_BYTES = 64;
const TAG_BYTES = 16;
const MAX_ID_BYTES = 255;

export type EnvelopeMessage =
  | { readonly type: 'key'; readonly epoch: number; readonly key: Bytes }
  | { readonly type: 'ack'; readonly epoch: number }
  | { readonly type: 'key-request'; readonly epoch: number }
  /** The committee secret (minutes and recordings), handed to an admitted member. */
  | { readonly type: 'committee-secret'; readonly secret: Bytes };

const TYPE_CODES = { key: 1, ack: 2, 'key-request': 3, 'committee-secret': 4 } as const;

/** Bytes of a committee secret (the input of the committee keys). */
export const COMMITTEE_SECRET_BYTES = 32;

/** The two AES-GCM keys shared with one member: ours to them, theirs to us. */
export interface PairwiseKeys {
  readonly seal: WebCryptoKey;
  readonly open: WebCryptoKey;
}

function idBytes(id: string): Bytes {
  const bytes = utf8(id);
  if (bytes.length === 0 || bytes.length > MAX_ID_BYTES) {
    throw new TypeError('member ids must have 1 to 255 bytes');
  }
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

function direction(from: string, to: string): Bytes {
  return concatBytes(idBytes(from), idBytes(to));
}

/** ECDH with the member, then one HKDF per direction; the shared secret never leaves WebCrypto. */
export async function derivePairwiseKeys(args: {
  readonly selfId: string;
  readonly selfEcdhPrivate: WebCryptoKey;
  readonly selfEcdhRaw: Uint8Array;
  readonly peerId: string;
  readonly peerEcdhPublic: WebCryptoKey;
  readonly peerEcdhRaw: Uint8Array;
}): Promise<PairwiseKeys> {
  const shared = new Uint8Array(
    await subtle().deriveBits({ name: 'ECDH', public: args.peerEcdhPublic }, args.selfEcdhPrivate, 256),
  );
  let ikm: WebCryptoKey;
  try {
    ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  } finally {
    shared.fill(0);
  }
  const [low, high] = [args.selfEcdhRaw, args.peerEcdhRaw].sort(compareBytes) as [Uint8Array, Uint8Array];
  const salt = new Uint8Array(await subtle().digest('SHA-256', concatBytes(low, high)));
  const derive = (from: string, to: string) =>
    subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt, info: concatBytes(utf8(ENVELOPE_INFO), direction(from, to)) },
      ikm,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  const [seal, open] = await Promise.all([
    derive(args.selfId, args.peerId),
    derive(args.peerId, args.selfId),
  ]);
  return { seal, open };
}

function encodeMessage(message: EnvelopeMessage): Bytes {
  if (message.type === 'committee-secret') {
    if (message.secret.length !== COMMITTEE_SECRET_BYTES) {
      throw new TypeError(`a committee secret has ${COMMITTEE_SECRET_BYTES} bytes`);
    }
    const out = new Uint8Array(9 + COMMITTEE_SECRET_BYTES);
    out[0] = TYPE_CODES['committee-secret'];
    out.set(message.secret, 9);
    return out;
  }
  const out = new Uint8Array(9 + (message.type === 'key' ? SENDER_KEY_BYTES : 0));
  out[0] = TYPE_CODES[message.type];
  const view = new DataView(out.buffer);
  view.setUint32(1, Math.floor(message.epoch / 0x1_0000_0000));
  view.setUint32(5, message.epoch >>> 0);
  if (message.type === 'key') {
    out.set(message.key, 9);
  }
  return out;
}

function decodeMessage(bytes: Bytes): EnvelopeMessage | undefined {
  if (bytes.length < 9) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const epoch = view.getUint32(1) * 0x1_0000_0000 + view.getUint32(5);
  if (epoch > MAX_KEY_EPOCH) {
    return undefined;
  }
  switch (bytes[0]) {
    case TYPE_CODES.key:
      return bytes.length === 9 + SENDER_KEY_BYTES ? { type: 'key', epoch, key: bytes.slice(9) } : undefined;
    case TYPE_CODES.ack:
      return bytes.length === 9 ? { type: 'ack', epoch } : undefined;
    case TYPE_CODES['key-request']:
      return bytes.length === 9 ? { type: 'key-request', epoch } : undefined;
    case TYPE_CODES['committee-secret']:
      return bytes.length === 9 + COMMITTEE_SECRET_BYTES && epoch === 0
        ? { type: 'committee-secret', secret: bytes.slice(9) }
        : undefined;
    default:
      return undefined;
  }
}

function signedBytes(body: Uint8Array): Bytes {
  return concatBytes(utf8(SIGNATURE_CONTEXT), Uint8Array.of(0), body);
}

const ECDSA = { name: 'ECDSA', hash: 'SHA-256' } as const;

export async function sealEnvelope(args: {
  readonly from: string;
  readonly to: string;
  readonly message: EnvelopeMessage;
  readonly keys: PairwiseKeys;
  readonly signingKey: WebCryptoKey;
  readonly iv: Uint8Array;
}): Promise<string> {
  const header = concatBytes(Uint8Array.of(ENVELOPE_VERSION), direction(args.from, args.to));
  const iv = Uint8Array.from(args.iv);
  if (iv.length !== IV_BYTES) {
    throw new TypeError(`the IV must have ${IV_BYTES} bytes`);
  }
  const plaintext = encodeMessage(args.message);
  let ciphertext: Bytes;
  try {
    ciphertext = new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: header }, args.keys.seal, plaintext),
    );
  } finally {
    plaintext.fill(0);
  }
  const body = concatBytes(header, iv, ciphertext);
  const signature = new Uint8Array(await subtle().sign(ECDSA, args.signingKey, signedBytes(body)));
  return toBase64url(concatBytes(body, signature));
}

/** An envelope split into its parts; nothing is verified yet. */
export interface ParsedEnvelope {
  readonly from: string;
  readonly to: string;
  readonly header: Bytes;
  readonly iv: Bytes;
  readonly ciphertext: Bytes;
  readonly body: Bytes;
  readonly signature: Bytes;
}

function readId(bytes: Bytes, offset: number): { id: string; end: number } | undefined {
  const length = bytes[offset];
  if (length === undefined || length === 0 || offset + 1 + length > bytes.length) {
    return undefined;
  }
  const raw = bytes.subarray(offset + 1, offset + 1 + length);
  // Member ids are base64url (ASCII); anything else is not an envelope of ours.
  if (
    !raw.every(
      (c) =>
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        c === 0x2d ||
        c === 0x5f,
    )
  ) {
    return undefined;
  }
  return { id: String.fromCharCode(...raw), end: offset + 1 + length };
}

export function parseEnvelope(text: unknown): ParsedEnvelope | undefined {
  if (typeof text !== 'string' || text.length > MAX_ENVELOPE_CHARS) {
    return undefined;
  }
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes[0] !== ENVELOPE_VERSION) {
    return undefined;
  }
  const from = readId(bytes, 1);
  const to = from && readId(bytes, from.end);
  if (from === undefined || to === undefined) {
    return undefined;
  }
  const ivEnd = to.end + IV_BYTES;
  const bodyEnd = bytes.length - SIGNATURE_BYTES;
  if (bodyEnd - ivEnd < TAG_BYTES + 9) {
    return undefined;
  }
  return {
    from: from.id,
    to: to.id,
    header: bytes.slice(0, to.end),
    iv: bytes.slice(to.end, ivEnd),
    ciphertext: bytes.slice(ivEnd, bodyEnd),
    body: bytes.slice(0, bodyEnd),
    signature: bytes.slice(bodyEnd),
  };
}

export async function verifyEnvelope(envelope: ParsedEnvelope, verifyKey: WebCryptoKey): Promise<boolean> {
  try {
    return await subtle().verify(ECDSA, verifyKey, envelope.signature, signedBytes(envelope.body));
  } catch {
    return false;
  }
}

/** The plaintext message, `'undecryptable'` when AES-GCM fails, `'malformed'` when it does not parse. */
export async function openEnvelope(
  envelope: ParsedEnvelope,
  keys: PairwiseKeys,
): Promise<EnvelopeMessage | 'undecryptable' | 'malformed'> {
  let plaintext: Bytes;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: envelope.iv, additionalData: envelope.header },
        keys.open,
        envelope.ciphertext,
      ),
    );
  } catch {
    return 'undecryptable';
  }
  const message = decodeMessage(plaintext);
  plaintext.fill(0);
  return message ?? 'malformed';
}
