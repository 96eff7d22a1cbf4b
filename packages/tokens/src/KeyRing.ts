import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** One HMAC signing key, known by its `kid`. */
export interface SigningKey {
  kid: string;
  key: KeyObject;
}

/**
 * The keys tokens are signed and verified with. The newest key signs; every
 * key still in the ring verifies, so a rotation has an overlap during which
 * old tokens stay valid; a key removed from the ring no longer verifies.
 */
export class KeyRing {
  readonly #keys = new Map<string, KeyObject>();
  #current: SigningKey;

  constructor(keys: readonly { kid: string; secret: Buffer }[]) {
    if (keys.length === 0) {
      throw new TypeError('KeyRing needs at least one key');
    }
    for (const { kid, secret } of keys) {
      if (secret.length < 32) {
        throw new TypeError(`signing key ${kid} is shorter than 32 bytes`);
      }
      this.#keys.set(kid, createSecretKey(secret));
    }
    const last = keys[keys.length - 1]!;
    this.#current = { kid: last.kid, key: this.#keys.get(last.kid)! };
  }

  static generate(kid = 'k1'): KeyRing {
    return new KeyRing([{ kid, secret: randomBytes(32) }]);
  }

  get current(): SigningKey {
    return this.#current;
  }

  find(kid: string): KeyObject | undefined {
    return this.#keys.get(kid);
  }

  /** Adds a key and makes it the signing key. */
  rotate(kid: string, secret: Buffer): void {
    if (secret.length < 32) {
      throw new TypeError(`signing key ${kid} is shorter than 32 bytes`);
    }
    const key = createSecretKey(secret);
    this.#keys.set(kid, key);
    this.#current = { kid, key };
  }

  /** Removes a key: tokens signed with it stop verifying. */
  retire(kid: string): void {
    if (kid === this.#current.kid) {
      throw new TypeError('cannot retire the current signing key');
    }
    this.#keys.delete(kid);
  }
}

/**
 * Reads a configured secret (hex, or base64url) and checks it has at least
 * 32 bytes; `name` is the setting, for the error message.
 */
export function secretFromConfig(name: string, secret: string): Buffer {
  const bytes =
    /^[0-9a-fA-F]+$/.test(secret) && secret.length % 2 === 0
      ? Buffer.from(secret, 'hex')
      : Buffer.from(secret, 'base64url');
  if (bytes.length < 32) {
    throw new TypeError(`${name}: must be at least 32 bytes (hex or base64url)`);
  }
  return bytes;
}
