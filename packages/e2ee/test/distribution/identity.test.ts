import { describe, expect, it } from 'vitest';
import { createLocalIdentity, isLinkSecret, newLinkSecret, verifyLinkMac } from '../../src/index.ts';
import { fromBase64url, toBase64url } from '../../src/distribution/base64url.ts';

describe('createLocalIdentity', () => {
  it('makes P-256 ECDH and ECDSA key pairs whose private keys cannot be exported', async () => {
    const identity = await createLocalIdentity();
    expect(identity.ecdh.privateKey.extractable).toBe(false);
    expect(identity.sign.privateKey.extractable).toBe(false);
    expect(identity.ecdh.privateKey.algorithm).toMatchObject({ name: 'ECDH', namedCurve: 'P-256' });
    expect(identity.sign.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    await expect(crypto.subtle.exportKey('pkcs8', identity.ecdh.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', identity.sign.privateKey)).rejects.toThrow();
  });

  it('publishes raw uncompressed public keys (65 bytes) in base64url, without a link MAC by default', async () => {
    const { publicKeys } = await createLocalIdentity();
    for (const key of [publicKeys.ecdh, publicKeys.sign]) {
      expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
      const raw = fromBase64url(key)!;
      expect(raw.length).toBe(65);
      expect(raw[0]).toBe(4);
    }
    expect(publicKeys.ecdh).not.toBe(publicKeys.sign);
    expect(publicKeys.linkMac).toBeUndefined();
  });

  it('adds a link MAC that verifies with the link secret and fails with another', async () => {
    const secret = newLinkSecret();
    const { publicKeys } = await createLocalIdentity({ linkSecret: secret });
    expect(publicKeys.linkMac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifyLinkMac(publicKeys, secret)).toBe(true);
    expect(await verifyLinkMac(publicKeys, newLinkSecret())).toBe(false);
  });

  it('refuses a link MAC moved onto other keys, a missing MAC and a forged one', async () => {
    const secret = newLinkSecret();
    const honest = await createLocalIdentity({ linkSecret: secret });
    const other = await createLocalIdentity();
    expect(await verifyLinkMac({ ...other.publicKeys, linkMac: honest.publicKeys.linkMac! }, secret)).toBe(
      false,
    );
    expect(
      await verifyLinkMac(
        { ecdh: honest.publicKeys.ecdh, sign: other.publicKeys.sign, linkMac: honest.publicKeys.linkMac! },
        secret,
      ),
    ).toBe(false);
    expect(await verifyLinkMac(other.publicKeys, secret)).toBe(false);
    const forged = fromBase64url(honest.publicKeys.linkMac!)!;
    forged[0] = forged[0]! ^ 1;
    expect(await verifyLinkMac({ ...honest.publicKeys, linkMac: toBase64url(forged) }, secret)).toBe(false);
  });

  it('refuses a malformed link secret with a TypeError', async () => {
    await expect(createLocalIdentity({ linkSecret: 'short' })).rejects.toThrow(TypeError);
    await expect(createLocalIdentity({ linkSecret: 'not base64url!!!!!!!!!!!!!!!!!!!!!!' })).rejects.toThrow(
      TypeError,
    );
    const { publicKeys } = await createLocalIdentity();
    await expect(verifyLinkMac(publicKeys, '')).rejects.toThrow(TypeError);
  });
});

describe('newLinkSecret', () => {
  it('gives 32 random bytes in base64url, different each time', () => {
    const a = newLinkSecret();
    const b = newLinkSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fromBase64url(a)!.length).toBe(32);
    expect(a).not.toBe(b);
    expect(isLinkSecret(a)).toBe(true);
    expect(isLinkSecret('abc')).toBe(false);
    expect(isLinkSecret(42)).toBe(false);
  });
});

describe('base64url', () => {
  it('round-trips every length and refuses padding, foreign characters and non-canonical tails', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }
    expect(fromBase64url('AA==')).toBeUndefined();
    expect(fromBase64url('A+/A')).toBeUndefined();
    expect(fromBase64url('A')).toBeUndefined();
    expect(fromBase64url('AB')).toBeUndefined(); // 'B' leaves non-zero padding bits
    expect(fromBase64url('AA')).toEqual(Uint8Array.of(0));
  });
});
