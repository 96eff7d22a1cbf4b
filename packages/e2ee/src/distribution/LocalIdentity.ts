import type { IdentityKeys } from '@confidentiel/protocol';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { concatBytes, equalBytes, utf8, type Bytes } from './bytes.ts';

/** Length of an uncompressed P-256 public key (0x04 || X || Y). */
export const P256_RAW_PUBLIC_KEY_BYTES = 65;
/** Random bytes in an invite link's secret. */
export const LINK_SECRET_BYTES = 32;
/** Shortest link secret accepted, in decoded bytes. */
export const MIN_LINK_SECRET_BYTES = 16;

const LINK_MAC_INFO = 'confidentiel link mac v1';

type WebCryptoKeyPair = { publicKey: WebCryptoKey; privateKey: WebCryptoKey };

/** This browser's identity: key pairs whose private halves never leave WebCrypto. */
export interface LocalIdentity {
  /** P-256 ECDH, for pairwise envelope keys. */
  readonly ecdh: WebCryptoKeyPair;
  /** P-256 ECDSA, for signatures on envelopes and chat. */
  readonly sign: WebCryptoKeyPair;
  /** What goes into `join`: raw public keys, and the link MAC when the invite link has a secret. */
  readonly publicKeys: IdentityKeys;
}

export interface CreateLocalIdentityOptions {
  /** The invite link's secret (URL fragment): adds `linkMac` to the public keys. */
  readonly linkSecret?: string;
}

/** 32 random bytes, base64url: the secret for an invite link's fragment (never sent to the server). */
export function newLinkSecret(): string {
  return toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(LINK_SECRET_BYTES)));
}

/** Whether `value` can be used as a link secret (base64url of at least 16 bytes). */
export function isLinkSecret(value: unknown): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  const bytes = fromBase64url(value);
  return bytes !== undefined && bytes.length >= MIN_LINK_SECRET_BYTES;
}

/**
 * Raw P-256 public key from its base64url form, or `undefined` when it is not an uncompressed point
 * encoding of the right length (curve membership is checked by WebCrypto on import).
 */
export function decodePublicKey(text: string): Bytes | undefined {
  const raw = fromBase64url(text);
  if (raw === undefined || raw.length !== P256_RAW_PUBLIC_KEY_BYTES || raw[0] !== 0x04) {
    return undefined;
  }
  return raw;
}

async function linkMacKey(linkSecret: string): Promise<WebCryptoKey> {
  const secret = fromBase64url(linkSecret);
  if (secret === undefined || secret.length < MIN_LINK_SECRET_BYTES) {
    throw new TypeError(`linkSecret must be base64url of at least ${MIN_LINK_SECRET_BYTES} bytes`);
  }
  try {
    const ikm = await subtle().importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    return await subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(LINK_MAC_INFO) },
      ikm,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
  } finally {
    secret.fill(0);
  }
}

/** HMAC-SHA-256(HKDF(linkSecret, "confidentiel link mac v1"), ecdh_raw || sign_raw). */
async function computeLinkMac(linkSecret: string, ecdhRaw: Bytes, signRaw: Bytes): Promise<Bytes> {
  const key = await linkMacKey(linkSecret);
  return new Uint8Array(await subtle().sign('HMAC', key, concatBytes(ecdhRaw, signRaw)));
}

/**
 * Makes this browser's identity: P-256 ECDH and ECDSA key pairs, private keys non-extractable.
 * Throws `TypeError` for a malformed `linkSecret`.
 */
export async function createLocalIdentity(options: CreateLocalIdentityOptions = {}): Promise<LocalIdentity> {
  const { linkSecret } = options;
  if (linkSecret !== undefined && !isLinkSecret(linkSecret)) {
    throw new TypeError(`linkSecret must be base64url of at least ${MIN_LINK_SECRET_BYTES} bytes`);
  }
  const [ecdh, sign] = await Promise.all([
    subtle().generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
    subtle().generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']),
  ]);
  const [ecdhRaw, signRaw] = await Promise.all([
    subtle().exportKey('raw', ecdh.publicKey),
    subtle().exportKey('raw', sign.publicKey),
  ]);
  const ecdhBytes = new Uint8Array(ecdhRaw);
  const signBytes = new Uint8Array(signRaw);
  const publicKeys: IdentityKeys = { ecdh: toBase64url(ecdhBytes), sign: toBase64url(signBytes) };
  if (linkSecret !== undefined) {
    publicKeys.linkMac = toBase64url(await computeLinkMac(linkSecret, ecdhBytes, signBytes));
  }
  return Object.freeze({ ecdh, sign, publicKeys: Object.freeze(publicKeys) });
}

/**
 * Whether `keys.linkMac` proves the keys were made by someone holding the invite link's secret.
 * False for a missing or wrong MAC or malformed keys; `TypeError` for a malformed `linkSecret`.
 */
export async function verifyLinkMac(keys: IdentityKeys, linkSecret: string): Promise<boolean> {
  const key = await linkMacKey(linkSecret);
  const ecdhRaw = decodePublicKey(keys.ecdh);
  const signRaw = decodePublicKey(keys.sign);
  const mac = keys.linkMac === undefined ? undefined : fromBase64url(keys.linkMac);
  if (ecdhRaw === undefined || signRaw === undefined || mac === undefined) {
    return false;
  }
  // HMAC verify is constant-time inside WebCrypto; recompute for an exact-length comparison.
  const expected = new Uint8Array(await subtle().sign('HMAC', key, concatBytes(ecdhRaw, signRaw)));
  return equalBytes(expected, mac);
}
