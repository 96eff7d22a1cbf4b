import { describe, expect, it } from 'vitest';
import { oneTimeCodeSchema } from '@confidentiel/protocol';
import { Secret } from 'otpauth';
import {
  hashToken,
  isRecoveryCode,
  newOpaqueToken,
  newRecoveryCode,
  newRecoveryCodes,
  sameSecret,
} from '../../src/accounts/accountSecrets.ts';
import { Totp } from '../../src/accounts/totp.ts';

/** RFC 6238 appendix B's SHA-1 key, "12345678901234567890". */
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;

describe('Totp', () => {
  it('matches the RFC 6238 test vectors (last 6 digits) at their times, with their time steps', () => {
    for (const [seconds, eightDigits] of [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
    ] as const) {
      const totp = new Totp({ now: () => seconds * 1000 });
      expect(totp.match(RFC_SECRET, eightDigits.slice(2)), String(seconds)).toBe(Math.floor(seconds / 30));
    }
  });

  it('accepts one step either side and no more', () => {
    let now = 59_000;
    const totp = new Totp({ now: () => now });
    const code = '287082';
    now = 59_000 + 30_000;
    expect(totp.match(RFC_SECRET, code)).toBe(1);
    now = 59_000 - 30_000;
    expect(totp.match(RFC_SECRET, code)).toBe(1);
    now = 59_000 + 60_000;
    expect(totp.match(RFC_SECRET, code)).toBeUndefined();
  });

  it('refuses anything but six digits', () => {
    const totp = new Totp({ now: () => 59_000 });
    for (const code of ['', '28708', '2870820', '28708a', ' 287082', '94287082']) {
      expect(totp.match(RFC_SECRET, code), code).toBeUndefined();
    }
  });

  it('makes 160-bit base32 secrets and otpauth URIs authenticator apps read', () => {
    const totp = new Totp();
    const bytes = Buffer.alloc(20, 0xab);
    const secret = totp.newSecret(() => bytes);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Buffer.from(Secret.fromBase32(secret).bytes)).toEqual(bytes);
    const uri = new URL(totp.uri(secret, 'ada@example.org'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Confidentiel:ada@example.org');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Confidentiel',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('account secrets', () => {
  it('makes recovery codes of 12 base32 characters that the protocol accepts', () => {
    const codes = newRecoveryCodes((n) =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256))),
    );
    expect(codes).toHaveLength(10);
    for (const code of codes) {
      expect(isRecoveryCode(code)).toBe(true);
      expect(oneTimeCodeSchema.parse(code)).toBe(code);
    }
    expect(newRecoveryCode(() => Buffer.alloc(8, 0))).toBe('aaaa-aaaa-aaaa');
    expect(newRecoveryCode(() => Buffer.alloc(8, 0xff))).toBe('7777-7777-7777');
    expect(isRecoveryCode('123456')).toBe(false);
  });

  it('hashes tokens with SHA-256 and compares secrets in full', () => {
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(newOpaqueToken(() => Buffer.alloc(32, 1))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });
});
