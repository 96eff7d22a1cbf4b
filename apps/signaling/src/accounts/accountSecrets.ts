import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The random secrets of accounts that are recognised, never chosen: session
 * ids, CSRF tokens, login challenges, enrolment tokens and recovery codes.
 * They carry enough entropy (60 to 256 bits) that a plain SHA-256 is a safe
 * way to store them; only passwords need a memory-hard hash.
 */

export type RandomBytes = (size: number) => Buffer;

/** 256 bits, base64url (43 characters). */
export function newOpaqueToken(random: RandomBytes): string {
  return random(32).toString('base64url');
}

/** What is stored in place of a token or recovery code: SHA-256, base64url. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Constant-time comparison of two strings (false when the lengths differ). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Recovery codes per account (the protocol allows 8 to 16). */
export const RECOVERY_CODE_COUNT = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const RECOVERY_CODE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

/** `xxxx-xxxx-xxxx`, lowercase base32: 60 random bits, easy to read aloud and type. */
export function newRecoveryCode(random: RandomBytes): string {
  let bits = random(8).readBigUInt64BE();
  let code = '';
  for (let i = 0; i < 12; i++) {
    code += BASE32[Number(bits & 31n)];
    bits >>= 5n;
  }
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export function newRecoveryCodes(random: RandomBytes, count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    codes.add(newRecoveryCode(random));
  }
  return [...codes];
}

export function isRecoveryCode(code: string): boolean {
  return RECOVERY_CODE.test(code);
}
