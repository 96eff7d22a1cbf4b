import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { concatBytes, utf8, type Bytes } from './bytes.ts';
import { COMMITTEE_SECRET_BYTES } from './Envelope.ts';

/**
 * What the committee stores on the server (minutes, recordings) is sealed
 * with keys derived from the meeting's committee secret: 32 random bytes made
 * in the organiser's browser and kept there, handed (sealed end to end, in a
 * pairwise envelope) by a host or co-host only to members the host let in,
 * never to the lobby and never in a link. Holding an invitation link is not
 * enough to read the record: the host stores ciphertext it cannot open, and a
 * guest refused at the door never gets the secret. Each purpose has its own key.
 */
export type CommitteePurpose = 'minutes' | 'recording';

/** v1 derived these keys from the link secret (every link holder could open them). */
const INFO = 'confidentiel committee v2';
const IV_BYTES = 12;

/** A new committee secret (base64url of 32 random bytes). */
export function newCommitteeSecret(): string {
  return toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(COMMITTEE_SECRET_BYTES)));
}

/** The secret's bytes, or undefined when `text` is not a committee secret. */
export function committeeSecretBytes(text: unknown): Uint8Array | undefined {
  const bytes = typeof text === 'string' ? fromBase64url(text) : undefined;
  return bytes !== undefined && bytes.length === COMMITTEE_SECRET_BYTES ? Uint8Array.from(bytes) : undefined;
}

export function isCommitteeSecret(text: unknown): text is string {
  return committeeSecretBytes(text) !== undefined;
}

/** The base64url text of a committee secret's bytes (as an envelope delivers them). */
export function committeeSecretText(bytes: Uint8Array): string {
  if (bytes.length !== COMMITTEE_SECRET_BYTES) {
    throw new TypeError(`a committee secret has ${COMMITTEE_SECRET_BYTES} bytes`);
  }
  return toBase64url(bytes);
}

/** AES-256-GCM key for `purpose` in `meetingId`, from the committee secret (HKDF-SHA-256). */
export async function deriveCommitteeKey(
  committeeSecret: string,
  meetingId: string,
  purpose: CommitteePurpose,
): Promise<WebCryptoKey> {
  const secret = committeeSecretBytes(committeeSecret);
  if (secret === undefined) {
    throw new TypeError('not a committee secret');
  }
  const base = await subtle().importKey('raw', Uint8Array.from(secret), 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: utf8(`${INFO} ${meetingId}`),
      info: utf8(`${INFO} ${purpose}`),
    },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * Seals `plaintext` as IV (12 random bytes) || AES-GCM ciphertext; `context`
 * (e.g. the item id and revision, or the chunk index) is authenticated, so a
 * sealed piece cannot be moved to another place.
 */
export async function sealCommittee(key: WebCryptoKey, plaintext: Bytes, context: string): Promise<Bytes> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv, additionalData: utf8(context) },
      key,
      Uint8Array.from(plaintext),
    ),
  );
  return concatBytes(iv, sealed);
}

/** Opens what sealCommittee made; throws when the key, the context or a byte is wrong. */
export async function openCommittee(key: WebCryptoKey, sealed: Bytes, context: string): Promise<Bytes> {
  if (sealed.length < IV_BYTES + 16) {
    throw new TypeError('sealed data too short');
  }
  const plain = await subtle().decrypt(
    { name: 'AES-GCM', iv: sealed.slice(0, IV_BYTES), additionalData: utf8(context) },
    key,
    sealed.slice(IV_BYTES),
  );
  return new Uint8Array(plain);
}

/** Text helpers for small sealed strings (minutes): base64url on the wire. */
export async function sealCommitteeText(key: WebCryptoKey, text: string, context: string): Promise<string> {
  return toBase64url(await sealCommittee(key, utf8(text), context));
}

export async function openCommitteeText(key: WebCryptoKey, sealed: string, context: string): Promise<string> {
  const bytes = fromBase64url(sealed);
  if (bytes === undefined) {
    throw new TypeError('not base64url');
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(await openCommittee(key, bytes, context));
}
