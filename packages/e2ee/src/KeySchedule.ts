import { gcmAeadFromKey, importAead, type Aead } from './Aead.ts';
import { cipherSuiteParams, type CipherSuiteParams } from './CipherSuite.ts';
import { E2eeError } from './E2eeError.ts';
import { MAX_UINT64 } from './Header.ts';
import { subtle, type WebCryptoKey } from './webcrypto.ts';

type Bytes = Uint8Array<ArrayBuffer>;

/**
 * A base key (RFC 9605 §4.4.2): raw bytes, or a WebCrypto HKDF `CryptoKey` (for example unwrapped from a
 * key envelope without ever exposing its bytes) with the `deriveBits` usage, plus `deriveKey` to
 * keep the AES-GCM keys out of JavaScript memory.
 */
export type BaseKey = Uint8Array | WebCryptoKey;

/** Shortest raw base key accepted: 128 bits, the AES-128 security level of the default suite. */
export const MIN_BASE_KEY_BYTES = 16;

const KEY_LABEL = 'SFrame 1.0 Secret key ';
const SALT_LABEL = 'SFrame 1.0 Secret salt ';

/** Everything needed to protect frames under one KID: the imported AEAD keys and the salt. */
export interface KeyMaterial {
  readonly kid: bigint;
  readonly suite: CipherSuiteParams;
  readonly aead: Aead;
  /** sframe_salt, Nn bytes. */
  readonly salt: Bytes;
}

function label(prefix: string, kid: bigint, suiteId: number): Bytes {
  if (typeof kid !== 'bigint' || kid < 0n || kid > MAX_UINT64) {
    throw new TypeError('kid must be a bigint in [0, 2^64 - 1]');
  }
  const text = new TextEncoder().encode(prefix);
  const out = new Uint8Array(text.length + 10);
  out.set(text);
  const view = new DataView(out.buffer);
  view.setBigUint64(text.length, kid);
  view.setUint16(text.length + 8, suiteId);
  return out;
}

/** "SFrame 1.0 Secret key " || KID (8 bytes, big-endian) || cipher suite (2 bytes, big-endian). */
export function sframeKeyLabel(kid: bigint, suiteId: number): Bytes {
  return label(KEY_LABEL, kid, suiteId);
}

/** "SFrame 1.0 Secret salt " || KID (8 bytes, big-endian) || cipher suite (2 bytes, big-endian). */
export function sframeSaltLabel(kid: bigint, suiteId: number): Bytes {
  return label(SALT_LABEL, kid, suiteId);
}

async function importBaseKey(baseKey: BaseKey): Promise<WebCryptoKey> {
  if (baseKey instanceof Uint8Array) {
    if (baseKey.length < MIN_BASE_KEY_BYTES) {
      throw new E2eeError('invalid-key', `a base key needs at least ${MIN_BASE_KEY_BYTES} bytes`);
    }
    return subtle().importKey('raw', Uint8Array.from(baseKey), 'HKDF', false, ['deriveBits', 'deriveKey']);
  }
  if (baseKey.algorithm.name !== 'HKDF' || !baseKey.usages.includes('deriveBits')) {
    throw new E2eeError('invalid-key', 'a base CryptoKey must be an HKDF key with the deriveBits usage');
  }
  return baseKey;
}

/**
 * HKDF of §4.4.2 with an empty salt: WebCrypto's HKDF is Extract then Expand, so one call gives
 * HKDF-Expand(HKDF-Extract("", base_key), label, length).
 */
function hkdfParams(suite: CipherSuiteParams, info: Bytes) {
  return { name: 'HKDF', hash: suite.hash, salt: new Uint8Array(0), info };
}

async function deriveBytes(
  suite: CipherSuiteParams,
  hkdfKey: WebCryptoKey,
  info: Bytes,
  length: number,
): Promise<Bytes> {
  return new Uint8Array(await subtle().deriveBits(hkdfParams(suite, info), hkdfKey, length * 8));
}

/**
 * `sframe_key` and `sframe_salt` as bytes (derive_key_salt of §4.4.2). For tests and vectors: the
 * frame path uses `deriveKeyMaterial`, which keeps the keys inside WebCrypto.
 */
export async function deriveKeySalt(
  baseKey: BaseKey,
  kid: bigint,
  suiteId: number,
): Promise<{ sframeKey: Bytes; sframeSalt: Bytes }> {
  const suite = cipherSuiteParams(suiteId);
  const hkdfKey = await importBaseKey(baseKey);
  const [sframeKey, sframeSalt] = await Promise.all([
    deriveBytes(suite, hkdfKey, sframeKeyLabel(kid, suite.id), suite.nk),
    deriveBytes(suite, hkdfKey, sframeSaltLabel(kid, suite.id), suite.nn),
  ]);
  return { sframeKey, sframeSalt };
}

/**
 * Derives and imports the key material of one KID, once: the frame path then only looks it up.
 * For the AES-GCM suites the key is derived straight into a non-extractable CryptoKey.
 */
export async function deriveKeyMaterial(
  baseKey: BaseKey,
  kid: bigint,
  suiteId: number,
): Promise<KeyMaterial> {
  const suite = cipherSuiteParams(suiteId);
  const hkdfKey = await importBaseKey(baseKey);
  const keyInfo = sframeKeyLabel(kid, suite.id);
  const saltPromise = deriveBytes(suite, hkdfKey, sframeSaltLabel(kid, suite.id), suite.nn);
  let aead: Aead;
  if (suite.aead === 'gcm' && hkdfKey.usages.includes('deriveKey')) {
    const key = await subtle().deriveKey(
      hkdfParams(suite, keyInfo),
      hkdfKey,
      { name: 'AES-GCM', length: suite.nk * 8 },
      false,
      ['encrypt', 'decrypt'],
    );
    aead = gcmAeadFromKey(suite, key);
  } else {
    const raw = await deriveBytes(suite, hkdfKey, keyInfo, suite.nk);
    try {
      aead = await importAead(suite, raw);
    } finally {
      raw.fill(0);
    }
  }
  return Object.freeze({ kid, suite, aead, salt: await saltPromise });
}

/**
 * nonce = sframe_salt XOR encode_big_endian(CTR, Nn) (§4.4.3). CTR is at most 64 bits, so only the
 * last 8 bytes of the salt change.
 */
export function computeNonce(salt: Uint8Array, ctr: bigint | number): Bytes {
  const nonce = new Uint8Array(salt);
  let high: number;
  let low: number;
  if (typeof ctr === 'number') {
    high = Math.floor(ctr / 0x1_0000_0000);
    low = ctr >>> 0;
  } else {
    high = Number((ctr >> 32n) & 0xffff_ffffn);
    low = Number(ctr & 0xffff_ffffn);
  }
  const end = nonce.length;
  for (let i = 0; i < 4; i++) {
    const shift = 24 - 8 * i;
    nonce[end - 8 + i] = nonce[end - 8 + i]! ^ ((high >>> shift) & 0xff);
    nonce[end - 4 + i] = nonce[end - 4 + i]! ^ ((low >>> shift) & 0xff);
  }
  return nonce;
}
