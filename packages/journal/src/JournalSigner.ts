import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fromBase64url } from './encoding.ts';
import { JournalError } from './JournalError.ts';

/** First 16 hex digits of SHA-256 of the raw (32-byte) Ed25519 public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** The verifier's key map (keyId → public key) for a set of public keys. */
export function publicKeyMap(publicKeys: Iterable<KeyObject>): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const key of publicKeys) {
    map.set(keyIdOf(key), key);
  }
  return map;
}

/** Checks a base64url Ed25519 signature over `hash` (lowercase hex). Never throws. */
export function verifyEntrySignature(publicKey: KeyObject, hash: string, signature: string): boolean {
  const bytes = fromBase64url(signature);
  if (bytes === undefined || bytes.length !== 64) {
    return false;
  }
  try {
    return verify(null, Buffer.from(hash, 'hex'), publicKey, bytes);
  } catch {
    return false;
  }
}

/**
 * The service's journal key: signs entry hashes with Ed25519. The private key is injected as a
 * `KeyObject` (see `loadSigningKey`), so it can come from a file, a vault or a test.
 */
export class JournalSigner {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #keyId: string;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new JournalError('invalid-key', 'the journal signing key must be an Ed25519 private key');
    }
    this.#privateKey = privateKey;
    this.#publicKey = createPublicKey(privateKey);
    this.#keyId = keyIdOf(this.#publicKey);
  }

  static generate(): JournalSigner {
    return new JournalSigner(generateKeyPairSync('ed25519').privateKey);
  }

  get keyId(): string {
    return this.#keyId;
  }

  get publicKey(): KeyObject {
    return this.#publicKey;
  }

  /** base64url signature over the 32 bytes of `hash` (64 lowercase hex digits). */
  sign(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new TypeError('hash must be 64 lowercase hex digits');
    }
    return sign(null, Buffer.from(hash, 'hex'), this.#privateKey).toString('base64url');
  }
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new JournalError('invalid-key', 'not an Ed25519 public key');
  }
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') {
    throw new JournalError('invalid-key', 'Ed25519 public key without x');
  }
  return Buffer.from(x, 'base64url');
}
