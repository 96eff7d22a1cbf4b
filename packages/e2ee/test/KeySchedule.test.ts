import { describe, expect, it } from 'vitest';
import {
  MAX_UINT64,
  cipherSuiteParams,
  computeNonce,
  deriveKeyMaterial,
  deriveKeySalt,
  sframeDecrypt,
  sframeEncrypt,
  sframeKeyLabel,
  sframeSaltLabel,
} from '../src/index.ts';
import { hex, loadVectors, toHex } from './vectors.ts';

const vectors = loadVectors();
const cases = vectors.sframe.map((v) => [v.cipher_suite, v] as const);

/** HKDF-Extract with an empty salt is HMAC keyed with Nh zero bytes (RFC 5869 §2.2). */
async function hkdfExtract(hash: 'SHA-256' | 'SHA-512', nh: number, ikm: Uint8Array<ArrayBuffer>) {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(nh), { name: 'HMAC', hash }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, ikm));
}

describe('key schedule (RFC 9605 §4.4.2) against the SFrame vectors', () => {
  it('covers all five suites', () => {
    expect(vectors.sframe.map((v) => v.cipher_suite).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it.each(cases)('suite %i builds the exact key and salt labels', (_id, v) => {
    expect(toHex(sframeKeyLabel(v.kid, v.cipher_suite))).toBe(v.sframe_key_label);
    expect(toHex(sframeSaltLabel(v.kid, v.cipher_suite))).toBe(v.sframe_salt_label);
    expect(new TextDecoder().decode(sframeKeyLabel(0n, 4).subarray(0, 22))).toBe('SFrame 1.0 Secret key ');
    expect(new TextDecoder().decode(sframeSaltLabel(0n, 4).subarray(0, 23))).toBe('SFrame 1.0 Secret salt ');
  });

  it.each(cases)('suite %i extracts the vector sframe_secret with an empty salt', async (_id, v) => {
    const suite = cipherSuiteParams(v.cipher_suite);
    expect(toHex(await hkdfExtract(suite.hash, suite.nh, hex(v.base_key)))).toBe(v.sframe_secret);
  });

  it.each(cases)('suite %i derives the vector sframe_key and sframe_salt', async (_id, v) => {
    const { sframeKey, sframeSalt } = await deriveKeySalt(hex(v.base_key), v.kid, v.cipher_suite);
    expect(toHex(sframeKey)).toBe(v.sframe_key);
    expect(toHex(sframeSalt)).toBe(v.sframe_salt);
  });

  it.each(cases)('suite %i forms the nonce as salt XOR CTR', (_id, v) => {
    expect(toHex(computeNonce(hex(v.sframe_salt), v.ctr))).toBe(v.nonce);
    expect(toHex(computeNonce(hex(v.sframe_salt), Number(v.ctr)))).toBe(v.nonce);
  });

  it('XORs a 64-bit CTR into the last 8 bytes of the salt only', () => {
    const salt = new Uint8Array(12).fill(0xaa);
    expect(toHex(computeNonce(salt, MAX_UINT64))).toBe('aaaaaaaa' + '55'.repeat(8));
    expect(toHex(computeNonce(salt, 2n ** 32n + 1n))).toBe('aaaaaaaa' + 'aaaaaaab' + 'aaaaaaab');
    expect(toHex(computeNonce(salt, 2 ** 32 + 1))).toBe('aaaaaaaa' + 'aaaaaaab' + 'aaaaaaab');
  });

  it('refuses a base key shorter than 128 bits', async () => {
    await expect(deriveKeyMaterial(new Uint8Array(15), 1n, 4)).rejects.toMatchObject({
      reason: 'invalid-key',
    });
  });

  it('accepts a non-extractable HKDF CryptoKey as base key, with or without deriveKey', async () => {
    const v = vectors.sframe.find((x) => x.cipher_suite === 4)!;
    for (const usages of [['deriveBits', 'deriveKey'], ['deriveBits']] as const) {
      const base = await crypto.subtle.importKey('raw', hex(v.base_key), 'HKDF', false, [...usages]);
      const key = await deriveKeyMaterial(base, v.kid, v.cipher_suite);
      const out = await sframeEncrypt(key, v.ctr, hex(v.metadata), hex(v.pt));
      expect(toHex(out)).toBe(v.ct);
    }
  });
});

describe('SFrame encryption (RFC 9605 §4.4.3-4) against the vectors', () => {
  it.each(cases)('suite %i encrypts to the vector header || ciphertext || tag', async (_id, v) => {
    const key = await deriveKeyMaterial(hex(v.base_key), v.kid, v.cipher_suite);
    expect(toHex(key.salt)).toBe(v.sframe_salt);
    const out = await sframeEncrypt(key, v.ctr, hex(v.metadata), hex(v.pt));
    expect(toHex(out)).toBe(v.ct);
    // The AAD of the vector is the header followed by the metadata.
    expect(v.aad.endsWith(v.metadata)).toBe(true);
    expect(v.ct.startsWith(v.aad.slice(0, v.aad.length - v.metadata.length))).toBe(true);
  });

  it.each(cases)('suite %i decrypts the vector ciphertext', async (_id, v) => {
    const key = await deriveKeyMaterial(hex(v.base_key), v.kid, v.cipher_suite);
    const result = await sframeDecrypt(
      (kid) => (kid === v.kid ? key : undefined),
      hex(v.metadata),
      hex(v.ct),
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(toHex(result.plaintext)).toBe(v.pt);
      expect(result.kid).toBe(v.kid);
      expect(result.ctr).toBe(v.ctr);
    }
  });

  it.each(cases)('suite %i refuses other metadata, an unknown KID and a truncated header', async (_id, v) => {
    const key = await deriveKeyMaterial(hex(v.base_key), v.kid, v.cipher_suite);
    const keyFor = (kid: bigint) => (kid === v.kid ? key : undefined);
    const otherMetadata = hex(v.metadata);
    otherMetadata[0]! ^= 1;
    expect(await sframeDecrypt(keyFor, otherMetadata, hex(v.ct))).toMatchObject({
      ok: false,
      reason: 'bad-tag',
    });
    expect(await sframeDecrypt(() => undefined, hex(v.metadata), hex(v.ct))).toMatchObject({
      ok: false,
      reason: 'missing-key',
      kid: v.kid,
    });
    expect(await sframeDecrypt(keyFor, hex(v.metadata), hex(v.ct).subarray(0, 2))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await sframeDecrypt(keyFor, hex(v.metadata), hex(v.ct).subarray(0, 5))).toMatchObject({
      ok: false,
      reason: 'bad-tag',
    });
  });
});
