import { MAX_KEY_EPOCH } from '../KeyId.ts';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { utf8, type Bytes } from './bytes.ts';

/** Sender base keys: 16 bytes, for the default suite AES_128_GCM_SHA256_128. */
export const SENDER_KEY_BYTES = 16;

const RATCHET_INFO = 'confidentiel ratchet v1';
const CHAT_INFO = 'confidentiel chat v1';

/**
 * Epochs are structured so that two members can never hold different keys for the same epoch of a
 * sender: epoch = generation * 2^8 + step. A fresh random key (after a leave) starts the next
 * generation at step 0; a ratchet (after a join) is step + 1 in the same generation. The key of
 * (generation, step) is therefore a function of the generation's fresh key alone, so a receiver
 * that ratchets locally from a key the sender has already replaced derives an epoch the sender
 * never uses, never a conflicting key for an epoch it does use.
 */
export const EPOCH_STEP_BITS = 8;
const STEPS = 2 ** EPOCH_STEP_BITS;

export function epochGeneration(epoch: number): number {
  return Math.floor(epoch / STEPS);
}

/** The epoch after a ratchet, or `undefined` when the generation is used up (a fresh key is due). */
export function nextRatchetEpoch(epoch: number): number | undefined {
  return epoch % STEPS === STEPS - 1 ? undefined : epoch + 1;
}

/** The first epoch of the next generation, for a fresh key. */
export function nextFreshEpoch(epoch: number): number {
  const next = (epochGeneration(epoch) + 1) * STEPS;
  if (next > MAX_KEY_EPOCH) {
    throw new RangeError('key epochs are exhausted');
  }
  return next;
}

async function hkdf(key: Uint8Array): Promise<WebCryptoKey> {
  const copy = Uint8Array.from(key);
  try {
    return await subtle().importKey('raw', copy, 'HKDF', false, ['deriveBits', 'deriveKey']);
  } finally {
    copy.fill(0);
  }
}

const params = (info: string) => ({
  name: 'HKDF',
  hash: 'SHA-256',
  salt: new Uint8Array(0),
  info: utf8(info),
});

/** key' = HKDF-SHA-256(salt = "", IKM = key, info = "confidentiel ratchet v1", L = 16). One-way. */
export async function ratchetKey(key: Uint8Array): Promise<Bytes> {
  const base = await hkdf(key);
  return new Uint8Array(await subtle().deriveBits(params(RATCHET_INFO), base, SENDER_KEY_BYTES * 8));
}

/** `ratchetKey` applied `steps` times. */
export async function ratchetKeyBy(key: Uint8Array, steps: number): Promise<Bytes> {
  let current = Uint8Array.from(key);
  for (let i = 0; i < steps; i++) {
    const next = await ratchetKey(current);
    current.fill(0);
    current = next;
  }
  return current;
}

/**
 * The chat key of a sender key: AES-GCM-128 = HKDF-SHA-256(salt = "", IKM = key,
 * info = "confidentiel chat v1"), non-extractable. Independent of the SFrame keys (other labels).
 */
export async function deriveChatKey(key: Uint8Array): Promise<WebCryptoKey> {
  const base = await hkdf(key);
  return subtle().deriveKey(params(CHAT_INFO), base, { name: 'AES-GCM', length: 128 }, false, [
    'encrypt',
    'decrypt',
  ]);
}
