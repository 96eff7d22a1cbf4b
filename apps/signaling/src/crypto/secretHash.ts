import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Memory-hard hashes of secrets people choose or read aloud (passwords,
 * invite passcodes), with scrypt from node:crypto. Stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<hash b64url>` so the cost can rise
 * later without breaking old hashes.
 */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** OWASP's recommendation for passwords: N = 2^17, r = 8, p = 1 (128 MiB). */
export const PASSWORD_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };
/** Cheap cost for tests only (injected; never the default). */
export const TEST_COST: ScryptCost = { log2N: 10, r: 8, p: 1 };

const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => {
      if (error) {
        reject(error);
      } else {
        resolve(key);
      }
    });
  });
}

export async function hashSecret(secret: string, cost: ScryptCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Constant-time check; false (never a throw) for a malformed stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    return false;
  }
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every(Number.isInteger) || log2N < 1 || log2N > 20 || r < 1 || p < 1) {
    return false;
  }
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH) {
    return false;
  }
  const actual = await derive(secret, salt, { log2N, r, p });
  return timingSafeEqual(actual, expected);
}

/** A hash of nothing, to spend the same time when there is no account (no user enumeration by timing). */
export async function dummyVerify(secret: string, cost: ScryptCost = PASSWORD_COST): Promise<false> {
  await derive(secret, Buffer.alloc(16), cost);
  return false;
}
