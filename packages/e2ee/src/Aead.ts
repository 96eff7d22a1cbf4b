import type { CipherSuiteParams } from './CipherSuite.ts';
import { E2eeError } from './E2eeError.ts';
import { subtle, type WebCryptoKey } from './webcrypto.ts';

type Bytes = Uint8Array<ArrayBuffer>;

/**
 * The AEAD of one SFrame key (RFC 9605 §4.4.1), with its WebCrypto keys imported once. `seal`
 * returns ciphertext || tag; `open` returns the plaintext, or `undefined` if authentication fails
 * (it never throws for a bad tag, so the frame path can count instead of catching).
 */
export interface Aead {
  readonly suite: CipherSuiteParams;
  seal(nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<ArrayBuffer>;
  open(nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<ArrayBuffer | undefined>;
}

function isOperationError(error: unknown): boolean {
  return error instanceof Error && error.name === 'OperationError';
}

/**
 * AES-GCM with a 128-bit tag (suites 0x0004 and 0x0005). 128 bits is WebCrypto's default
 * `tagLength`, left out of the parameters to spare a conversion per frame.
 */
class GcmAead implements Aead {
  readonly suite: CipherSuiteParams;
  readonly #key: WebCryptoKey;
  readonly #subtle = subtle();

  constructor(suite: CipherSuiteParams, key: WebCryptoKey) {
    if (suite.nt !== 16) {
      throw new TypeError(`${suite.name}: only 128-bit AES-GCM tags are implemented`);
    }
    this.suite = suite;
    this.#key = key;
  }

  seal(nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<ArrayBuffer> {
    return this.#subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, this.#key, plaintext);
  }

  open(nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<ArrayBuffer | undefined> {
    return this.#subtle
      .decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, this.#key, ciphertext)
      .then(undefined, (error: unknown) => {
        if (isOperationError(error)) {
          return undefined;
        }
        throw error;
      });
  }
}

function uint64(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(offset, BigInt(value));
}

/** Compares without an early exit, so the time does not tell where the tags differ. */
function equalTags(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    diff |= a[i]! ^ b[i]!;
  }
  return diff === 0;
}

/** AES-CTR with a truncated HMAC tag (suites 0x0001-0x0003), RFC 9605 §4.5.1. */
class CtrHmacAead implements Aead {
  readonly suite: CipherSuiteParams;
  readonly #encKey: WebCryptoKey;
  readonly #authKey: WebCryptoKey;

  constructor(suite: CipherSuiteParams, encKey: WebCryptoKey, authKey: WebCryptoKey) {
    this.suite = suite;
    this.#encKey = encKey;
    this.#authKey = authKey;
  }

  /** initial_counter = nonce || 0x00000000; the low 32 bits count blocks. */
  #ctrParams(nonce: Bytes): { name: string; counter: Bytes; length: number } {
    const counter = new Uint8Array(16);
    counter.set(nonce);
    return { name: 'AES-CTR', counter, length: 32 };
  }

  /**
   * compute_tag of §4.5.1: HMAC(auth_key, len(AAD) || len(CT) || Nt || nonce || AAD || CT), the
   * three lengths as 8-byte big-endian integers, truncated to Nt bytes.
   */
  async #tag(nonce: Bytes, aad: Bytes, ciphertext: Uint8Array): Promise<Uint8Array> {
    const input = new Uint8Array(24 + nonce.length + aad.length + ciphertext.length);
    uint64(input, 0, aad.length);
    uint64(input, 8, ciphertext.length);
    uint64(input, 16, this.suite.nt);
    input.set(nonce, 24);
    input.set(aad, 24 + nonce.length);
    input.set(ciphertext, 24 + nonce.length + aad.length);
    const mac = await subtle().sign('HMAC', this.#authKey, input);
    return new Uint8Array(mac, 0, this.suite.nt);
  }

  async seal(nonce: Bytes, aad: Bytes, plaintext: Bytes): Promise<ArrayBuffer> {
    const ct = new Uint8Array(await subtle().encrypt(this.#ctrParams(nonce), this.#encKey, plaintext));
    const tag = await this.#tag(nonce, aad, ct);
    const out = new Uint8Array(ct.length + tag.length);
    out.set(ct);
    out.set(tag, ct.length);
    return out.buffer;
  }

  async open(nonce: Bytes, aad: Bytes, ciphertext: Bytes): Promise<ArrayBuffer | undefined> {
    const nt = this.suite.nt;
    if (ciphertext.length < nt) {
      return undefined;
    }
    const ct = ciphertext.subarray(0, ciphertext.length - nt);
    const tag = await this.#tag(nonce, aad, ct);
    // Authenticate before decrypting: nothing is deciphered under a forged tag.
    if (!equalTags(tag, ciphertext.subarray(ciphertext.length - nt))) {
      return undefined;
    }
    return subtle().decrypt(this.#ctrParams(nonce), this.#encKey, ct);
  }
}

/**
 * Imports `sframe_key` for a suite as non-extractable WebCrypto keys. For the CTR suites the key
 * splits into enc_key (first Nka bytes) and auth_key (the rest), as derive_subkeys of §4.5.1.
 */
export async function importAead(suite: CipherSuiteParams, sframeKey: Bytes): Promise<Aead> {
  if (sframeKey.length !== suite.nk) {
    throw new E2eeError('invalid-key', `${suite.name} needs a ${suite.nk}-byte key, got ${sframeKey.length}`);
  }
  const s = subtle();
  if (suite.aead === 'gcm') {
    const key = await s.importKey('raw', sframeKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return new GcmAead(suite, key);
  }
  const encBytes = sframeKey.slice(0, suite.nka);
  const authBytes = sframeKey.slice(suite.nka);
  try {
    const encKey = await s.importKey('raw', encBytes, 'AES-CTR', false, ['encrypt', 'decrypt']);
    const authKey = await s.importKey('raw', authBytes, { name: 'HMAC', hash: suite.hash }, false, ['sign']);
    return new CtrHmacAead(suite, encKey, authKey);
  } finally {
    // importKey copied them: leave no stray copy of key bytes behind.
    encBytes.fill(0);
    authBytes.fill(0);
  }
}

/** Wraps a non-extractable AES-GCM key derived directly by HKDF (no raw key bytes in JS). */
export function gcmAeadFromKey(suite: CipherSuiteParams, key: WebCryptoKey): Aead {
  if (suite.aead !== 'gcm') {
    throw new TypeError(`${suite.name} is not an AES-GCM suite`);
  }
  return new GcmAead(suite, key);
}
