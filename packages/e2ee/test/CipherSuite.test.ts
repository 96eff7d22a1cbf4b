import { describe, expect, it } from 'vitest';
import { CipherSuite, DEFAULT_CIPHER_SUITE, E2eeError, cipherSuiteParams, importAead } from '../src/index.ts';
import { hex, loadVectors, toHex } from './vectors.ts';

const vectors = loadVectors();

describe('cipher suites (RFC 9605 §4.5)', () => {
  it('defaults to AES_128_GCM_SHA256_128', () => {
    expect(DEFAULT_CIPHER_SUITE).toBe(0x0004);
    expect(cipherSuiteParams(DEFAULT_CIPHER_SUITE)).toMatchObject({
      nk: 16,
      nn: 12,
      nt: 16,
      hash: 'SHA-256',
    });
  });

  it('has the RFC parameters for every suite', () => {
    expect(cipherSuiteParams(CipherSuite.AES_128_CTR_HMAC_SHA256_80)).toMatchObject({
      nka: 16,
      nk: 48,
      nt: 10,
    });
    expect(cipherSuiteParams(CipherSuite.AES_128_CTR_HMAC_SHA256_64)).toMatchObject({
      nka: 16,
      nk: 48,
      nt: 8,
    });
    expect(cipherSuiteParams(CipherSuite.AES_128_CTR_HMAC_SHA256_32)).toMatchObject({
      nka: 16,
      nk: 48,
      nt: 4,
    });
    expect(cipherSuiteParams(CipherSuite.AES_256_GCM_SHA512_128)).toMatchObject({
      nk: 32,
      nn: 12,
      nt: 16,
      hash: 'SHA-512',
    });
  });

  it('refuses an unknown suite id with unsupported-suite', () => {
    for (const id of [0, 6, 0xffff]) {
      expect(() => cipherSuiteParams(id)).toThrow(E2eeError);
    }
  });

  it('refuses a key of the wrong length for the suite', async () => {
    const suite = cipherSuiteParams(CipherSuite.AES_128_CTR_HMAC_SHA256_80);
    await expect(importAead(suite, new Uint8Array(16))).rejects.toMatchObject({ reason: 'invalid-key' });
  });
});

describe('AES-CTR-HMAC vectors (RFC 9605 §4.5.1, Appendix C.3)', () => {
  it('covers the three CTR suites', () => {
    expect(vectors.aes_ctr_hmac.map((v) => v.cipher_suite).sort()).toEqual([1, 2, 3]);
  });

  it.each(vectors.aes_ctr_hmac.map((v) => [v.cipher_suite, v] as const))(
    'suite %i seals to the vector ciphertext and tag, and opens it',
    async (_id, v) => {
      const suite = cipherSuiteParams(v.cipher_suite);
      const key = hex(v.key);
      expect(toHex(key.subarray(0, suite.nka))).toBe(v.enc_key);
      expect(toHex(key.subarray(suite.nka))).toBe(v.auth_key);
      const aead = await importAead(suite, key);
      const sealed = await aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt));
      expect(toHex(sealed)).toBe(v.ct);
      const opened = await aead.open(hex(v.nonce), hex(v.aad), hex(v.ct));
      expect(opened && toHex(opened)).toBe(v.pt);
    },
  );

  it.each(vectors.aes_ctr_hmac.map((v) => [v.cipher_suite, v] as const))(
    'suite %i refuses a flipped bit anywhere in AAD, ciphertext or tag',
    async (_id, v) => {
      const aead = await importAead(cipherSuiteParams(v.cipher_suite), hex(v.key));
      const ct = hex(v.ct);
      for (let i = 0; i < ct.length; i++) {
        const bad = ct.slice();
        bad[i]! ^= 0x01;
        expect(await aead.open(hex(v.nonce), hex(v.aad), bad)).toBeUndefined();
      }
      const aad = hex(v.aad);
      aad[0]! ^= 0x80;
      expect(await aead.open(hex(v.nonce), aad, ct)).toBeUndefined();
      expect(await aead.open(hex(v.nonce), hex(v.aad), ct.subarray(0, 3))).toBeUndefined();
    },
  );
});
