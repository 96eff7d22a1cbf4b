import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { concatBytes, utf8, type Bytes } from './bytes.ts';
import { MIN_LINK_SECRET_BYTES } from './LocalIdentity.ts';

/**
 * What the committee stores on the server (minutes, recordings) is sealed
 * with keys derived from the meeting's link secret, which lives only in the
 * invite links' fragments and the members' browsers: the host stores
 * ciphertext it cannot open. Each purpose has its own key.
 */
export type CommitteePurpose = 'minutes' | 'recording';

const INFO = 'confidentiel committee v1';
const IV_BYTES = 12;

/** AES-256-GCM key for `purpose` in `meetingId`, from the link secret (HKDF-SHA-256). */
export async function deriveCommitteeKey(
  linkSecret: string,
  meetingId: string,
  purpose: CommitteePurpose,
): Promise<WebCryptoKey> {
  const secret = fromBase64url(linkSecret);
  if (secret === undefined || secret.length < MIN_LINK_SECRET_BYTES) {
    throw new TypeError('not a link secret');
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
