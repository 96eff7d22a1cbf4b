import { z } from 'zod';

/**
 * What the E2EE layer puts on the wire. Signaling relays these without being
 * able to read them: identity *public* keys, and opaque envelopes and chat
 * ciphertexts sealed in the browsers.
 */

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** A member's identity public keys (P-256, raw uncompressed, base64url). */
export const identityKeysSchema = z.strictObject({
  /** ECDH public key, for pairwise envelope keys. */
  ecdh: base64url(80, 100),
  /** ECDSA public key, for signatures on envelopes and chat. */
  sign: base64url(80, 100),
  /**
   * HMAC-SHA-256 of both keys under a key derived from the invite link's
   * secret (URL fragment, never sent to the server), when the link has one.
   */
  linkMac: base64url(43, 43).optional(),
});
export type IdentityKeys = z.infer<typeof identityKeysSchema>;

/** Largest sealed key envelope, in base64url characters. */
export const MAX_ENVELOPE_CHARS = 4096;
/** Largest sealed chat message, in base64url characters (~6 KB of text). */
export const MAX_CHAT_CIPHERTEXT_CHARS = 12_000;

export const keyEnvelopeSchema = base64url(16, MAX_ENVELOPE_CHARS);
/**
 * Envelopes in one `relayKeys` request: a key change reaches a room's members in a few requests
 * instead of one each (the per-socket request budget would refuse most of them in a large room).
 * The message size limit (LIMITS.maxMessageBytes) bounds the batch's bytes as well.
 */
export const MAX_ENVELOPES_PER_BATCH = 64;
export const chatCiphertextSchema = base64url(16, MAX_CHAT_CIPHERTEXT_CHARS);
/**
 * A lobby message sealed for one person (a host to someone waiting, or their reply): pairwise,
 * so it has the chat's size bound. One `sendLobbyMessages` request carries at most this many
 * (a host writing to everyone waiting); the message size limit bounds their bytes as well.
 */
export const MAX_LOBBY_MESSAGES_PER_BATCH = 64;
export const lobbyCiphertextSchema = base64url(16, MAX_CHAT_CIPHERTEXT_CHARS);
