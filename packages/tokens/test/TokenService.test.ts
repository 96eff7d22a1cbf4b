import { randomBytes, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { KeyRing, TokenError, TokenService } from '../src/index.ts';

const audience = 'room';
const typ = 'room';

function setup(start = 1_800_000_000) {
  let now = start;
  const secret = randomBytes(32);
  const keys = new KeyRing([{ kid: 'k1', secret }]);
  const service = new TokenService({ keys, issuer: 'confidentiel', now: () => now });
  return {
    service,
    keys,
    secret,
    advance: (s: number) => {
      now += s;
    },
    now: () => now,
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return (error as TokenError).reason;
  }
  throw new Error('expected a refusal');
}

describe('TokenService', () => {
  it('accepts a fresh token with the right audience and type', () => {
    const { service } = setup();
    const { token } = service.issue({
      audience,
      typ,
      subject: 'member-1',
      ttlSeconds: 60,
      claims: { room: 'r' },
    });
    const verified = service.verify(token, { audience, typ });
    expect(verified.sub).toBe('member-1');
    expect(verified.claims.room).toBe('r');
    expect(verified.jti).toMatch(/[0-9a-f-]{36}/);
  });

  it('rejects an expired token, and accepts it within the clock tolerance', () => {
    const { service, advance } = setup();
    const { token } = service.issue({ audience, typ, subject: 's', ttlSeconds: 60 });
    advance(63);
    expect(service.verify(token, { audience, typ }).sub).toBe('s');
    advance(10);
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('expired');
  });

  it('rejects a token without exp', () => {
    const { service, secret, now } = setup();
    const token = jwt.sign({ typ, sub: 's', jti: 'j', iat: now() }, secret, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'confidentiel',
      audience,
    });
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('invalid');
  });

  it('rejects a token whose nbf is in the future', () => {
    const { service, secret, now } = setup();
    const token = jwt.sign({ typ, sub: 's', jti: 'j', nbf: now() + 60, exp: now() + 120 }, secret, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'confidentiel',
      audience,
    });
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('not-yet-valid');
  });

  it('rejects alg none', () => {
    const { service, now } = setup();
    const token = jwt.sign({ typ, sub: 's', jti: 'j', exp: now() + 60 }, '', {
      algorithm: 'none',
      keyid: 'k1',
      issuer: 'confidentiel',
      audience,
    });
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('invalid');
  });

  it('rejects an asymmetric algorithm (no RS/HS confusion)', () => {
    const { service, now } = setup();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign({ typ, sub: 's', jti: 'j', exp: now() + 60 }, privateKey, {
      algorithm: 'RS256',
      keyid: 'k1',
      issuer: 'confidentiel',
      audience,
    });
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('invalid');
  });

  it('rejects a wrong issuer, audience or type', () => {
    const { service, keys, now } = setup();
    const other = new TokenService({ keys, issuer: 'someone-else', now });
    const foreign = other.issue({ audience, typ, subject: 's', ttlSeconds: 60 }).token;
    expect(refusal(() => service.verify(foreign, { audience, typ }))).toBe('invalid');
    const control = service.issue({
      audience: 'sfu-control',
      typ: 'sfu-control',
      subject: 's',
      ttlSeconds: 60,
    }).token;
    expect(refusal(() => service.verify(control, { audience, typ }))).toBe('invalid');
    const wrongTyp = service.issue({ audience, typ: 'other', subject: 's', ttlSeconds: 60 }).token;
    expect(refusal(() => service.verify(wrongTyp, { audience, typ }))).toBe('invalid');
  });

  it('rejects a forged signature', () => {
    const { service, now } = setup();
    const token = jwt.sign({ typ, sub: 's', jti: 'j', exp: now() + 60 }, randomBytes(32), {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'confidentiel',
      audience,
    });
    expect(refusal(() => service.verify(token, { audience, typ }))).toBe('invalid');
  });

  it('refuses garbage cleanly', () => {
    const { service } = setup();
    expect(refusal(() => service.verify(undefined, { audience, typ }))).toBe('missing');
    expect(refusal(() => service.verify(123, { audience, typ }))).toBe('missing');
    expect(refusal(() => service.verify('123', { audience, typ }))).toBe('malformed');
    expect(refusal(() => service.verify('x'.repeat(1_000_000), { audience, typ }))).toBe('malformed');
    expect(refusal(() => service.verify('a.b.c', { audience, typ }))).toBe('malformed');
  });

  it('verifies old and new kid during a rotation and refuses a retired kid', () => {
    const { service, keys } = setup();
    const old = service.issue({ audience, typ, subject: 's', ttlSeconds: 60 }).token;
    keys.rotate('k2', randomBytes(32));
    const fresh = service.issue({ audience, typ, subject: 's', ttlSeconds: 60 }).token;
    expect(jwt.decode(fresh, { complete: true })?.header.kid).toBe('k2');
    expect(service.verify(old, { audience, typ }).sub).toBe('s');
    expect(service.verify(fresh, { audience, typ }).sub).toBe('s');
    keys.retire('k1');
    expect(refusal(() => service.verify(old, { audience, typ }))).toBe('invalid');
    expect(service.verify(fresh, { audience, typ }).sub).toBe('s');
  });
});
