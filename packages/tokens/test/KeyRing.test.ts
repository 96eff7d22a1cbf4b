import { KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyRing, TokenService } from '../src/index.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Checklist item 8: tokens are verified with a KeyObject, never a string
 * secret (jsonwebtoken's string form re-imports the key on every call; it was
 * measured about 40x slower here).
 */
describe('signing keys are KeyObjects', () => {
  it('keeps every key of the ring, current and earlier, as a secret KeyObject', () => {
    const ring = new KeyRing([
      { kid: 'old', secret: randomBytes(32) },
      { kid: 'new', secret: randomBytes(32) },
    ]);
    for (const kid of ['old', 'new']) {
      const key = ring.find(kid);
      expect(key).toBeInstanceOf(KeyObject);
      expect(key?.type).toBe('secret');
    }
    expect(ring.current.key).toBeInstanceOf(KeyObject);
  });

  it('hands jsonwebtoken a KeyObject to sign and to verify', () => {
    const sign = vi.spyOn(jwt, 'sign');
    const verify = vi.spyOn(jwt, 'verify');
    const service = new TokenService({ keys: KeyRing.generate('k1'), issuer: 'confidentiel' });
    const { token } = service.issue({ audience: 'room', typ: 'room', subject: 'member-1', ttlSeconds: 60 });
    service.verify(token, { audience: 'room', typ: 'room' });
    expect(sign).toHaveBeenCalledTimes(1);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(sign.mock.calls[0]![1]).toBeInstanceOf(KeyObject);
    expect(verify.mock.calls[0]![1]).toBeInstanceOf(KeyObject);
  });

  it('refuses secrets shorter than 32 bytes', () => {
    expect(() => new KeyRing([{ kid: 'short', secret: randomBytes(16) }])).toThrow(TypeError);
  });
});
