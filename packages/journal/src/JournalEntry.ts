import { createHash } from 'node:crypto';
import { canonicalJson, isPlainObject, type JsonObject } from './canonicalJson.ts';
import { fromBase64url, isHex64 } from './encoding.ts';

/** `prev` of the first entry (seq 0). */
export const GENESIS_PREV = '0'.repeat(64);
/** The type of the checkpoint entries the writer adds; `append` refuses it. */
export const CHECKPOINT_TYPE = 'timestamp';
/** Longest `sessionId` / `type` accepted, so a line stays small and printable. */
export const MAX_NAME_LENGTH = 200;

/** One line of a journal. Every field but `hash` and `signature` is covered by `hash`. */
export interface JournalEntry {
  /** 0, 1, 2… without gaps. */
  seq: number;
  /** Milliseconds since the epoch, from the writer's clock (the time-stamps bound it). */
  at: number;
  sessionId: string;
  /** What happened: 'join', 'vote', 'minutes-revised'…, or 'timestamp' for a checkpoint. */
  type: string;
  data: JsonObject;
  /** `hash` of the previous entry, {@link GENESIS_PREV} for seq 0. */
  prev: string;
  /** Lowercase hex SHA-256 of the JCS form of the entry without `hash` and `signature`. */
  hash: string;
  /** base64url Ed25519 signature over the 32 bytes of `hash`. */
  signature: string;
  /** First 16 hex digits of SHA-256 of the raw Ed25519 public key. */
  keyId: string;
}

export type HashedContent = Omit<JournalEntry, 'hash' | 'signature'>;

const ENTRY_KEYS = ['at', 'data', 'hash', 'keyId', 'prev', 'seq', 'sessionId', 'signature', 'type'];
const KEY_ID = /^[0-9a-f]{16}$/;

/** The bytes `hash` is computed over (and that a checkpoint's time-stamp token covers). */
export function hashedBytes(entry: HashedContent): Buffer {
  const { seq, at, sessionId, type, data, prev, keyId } = entry;
  return Buffer.from(canonicalJson({ seq, at, sessionId, type, data, prev, keyId }), 'utf8');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The form of an entry on disk: its JCS text, one line. */
export function entryLine(entry: JournalEntry): string {
  return canonicalJson(entry);
}

/**
 * Checks that a parsed line has exactly the fields of a {@link JournalEntry}, each well-formed.
 * Returns the entry, or what is wrong with it. It checks form only: hash, chain and signature
 * are the verifier's business.
 */
export function parseEntry(value: unknown): JournalEntry | string {
  if (!isPlainObject(value)) {
    return 'not a JSON object';
  }
  const keys = Object.keys(value).sort();
  if (keys.length !== ENTRY_KEYS.length || keys.some((key, i) => key !== ENTRY_KEYS[i])) {
    return `fields are ${keys.join(', ')}; expected ${ENTRY_KEYS.join(', ')}`;
  }
  const { seq, at, sessionId, type, data, prev, hash, signature, keyId } = value;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) {
    return 'seq is not a non-negative integer';
  }
  if (!Number.isSafeInteger(at) || (at as number) < 0) {
    return 'at is not a non-negative integer';
  }
  if (!isName(sessionId)) {
    return 'sessionId is not a non-empty string';
  }
  if (!isName(type)) {
    return 'type is not a non-empty string';
  }
  if (!isPlainObject(data)) {
    return 'data is not an object';
  }
  if (!isHex64(prev) || !isHex64(hash)) {
    return 'prev or hash is not 64 lowercase hex digits';
  }
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    return 'keyId is not 16 lowercase hex digits';
  }
  if (typeof signature !== 'string' || fromBase64url(signature)?.length !== 64) {
    return 'signature is not 64 bytes of base64url';
  }
  return value as unknown as JournalEntry;
}

export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}
