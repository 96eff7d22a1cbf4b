import { E2eeError } from './E2eeError.ts';

/** Cipher suite ids of RFC 9605 §8.1 (IANA "SFrame Cipher Suites"). */
export const CipherSuite = {
  AES_128_CTR_HMAC_SHA256_80: 0x0001,
  AES_128_CTR_HMAC_SHA256_64: 0x0002,
  AES_128_CTR_HMAC_SHA256_32: 0x0003,
  AES_128_GCM_SHA256_128: 0x0004,
  AES_256_GCM_SHA512_128: 0x0005,
} as const;
export type CipherSuiteId = (typeof CipherSuite)[keyof typeof CipherSuite];

/** The suite the product uses unless told otherwise (see ARCHITECTURE.md). */
export const DEFAULT_CIPHER_SUITE: CipherSuiteId = CipherSuite.AES_128_GCM_SHA256_128;

/** The parameters of RFC 9605 §4.5 for one suite, in the RFC's names (bytes, not bits). */
export interface CipherSuiteParams {
  readonly id: CipherSuiteId;
  readonly name: keyof typeof CipherSuite;
  /** `gcm`: AES-GCM (§4.5); `ctr-hmac`: AES-CTR with a truncated HMAC tag (§4.5.1). */
  readonly aead: 'gcm' | 'ctr-hmac';
  /** HKDF and HMAC hash. */
  readonly hash: 'SHA-256' | 'SHA-512';
  /** Size of the hash output. */
  readonly nh: number;
  /** Size of the AES key inside `sframe_key` (equal to `nk` for GCM). */
  readonly nka: number;
  /** Size of `sframe_key`. */
  readonly nk: number;
  /** Size of the nonce and of `sframe_salt`. */
  readonly nn: number;
  /** Size of the authentication tag. */
  readonly nt: number;
}

const SUITES: ReadonlyMap<number, CipherSuiteParams> = new Map(
  (
    [
      ['AES_128_CTR_HMAC_SHA256_80', 'ctr-hmac', 'SHA-256', 32, 16, 48, 12, 10],
      ['AES_128_CTR_HMAC_SHA256_64', 'ctr-hmac', 'SHA-256', 32, 16, 48, 12, 8],
      ['AES_128_CTR_HMAC_SHA256_32', 'ctr-hmac', 'SHA-256', 32, 16, 48, 12, 4],
      ['AES_128_GCM_SHA256_128', 'gcm', 'SHA-256', 32, 16, 16, 12, 16],
      ['AES_256_GCM_SHA512_128', 'gcm', 'SHA-512', 64, 32, 32, 12, 16],
    ] as const
  ).map(([name, aead, hash, nh, nka, nk, nn, nt]) => {
    const params: CipherSuiteParams = Object.freeze({
      id: CipherSuite[name],
      name,
      aead,
      hash,
      nh,
      nka,
      nk,
      nn,
      nt,
    });
    return [params.id, params] as const;
  }),
);

/** The parameters of a suite; an id this library does not implement is an `unsupported-suite` error. */
export function cipherSuiteParams(id: number): CipherSuiteParams {
  const params = SUITES.get(id);
  if (params === undefined) {
    throw new E2eeError('unsupported-suite', `SFrame cipher suite 0x${id.toString(16).padStart(4, '0')}`);
  }
  return params;
}
