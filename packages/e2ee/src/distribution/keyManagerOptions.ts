import type { MemberInfo } from '@confidentiel/protocol';
import type { Bytes } from './bytes.ts';
import { decodePublicKey, isLinkSecret, type LocalIdentity } from './LocalIdentity.ts';

/** Default time a sender waits for acknowledgements before switching to a new key anyway. */
export const DEFAULT_ACK_TIMEOUT_MS = 1_500;
/** A member's key requests are answered at most this often (a replayed request costs little). */
export const KEY_REQUEST_MIN_INTERVAL_MS = 250;

export interface KeyManagerOptions {
  /** This member, from the join acknowledgement (memberId, senderIndex, identity). */
  readonly self: MemberInfo;
  /** The identity whose public keys were sent in `join` (must match `self.identity`). */
  readonly identity: LocalIdentity;
  /**
   * The invite link's secret. When set, members whose identity lacks a valid linkMac get no keys
   * and their envelopes and chat messages are rejected (`bad-link-mac`).
   */
  readonly linkSecret?: string;
  /** Sends one sealed envelope to one member (the `relayKey` request). Failures are covered by the ack timeout. */
  readonly send: (to: string, envelope: string) => Promise<void>;
  /** Milliseconds, for the ack deadline. Default: `Date.now`. */
  readonly now?: () => number;
  /** Random bytes (keys, IVs). Default: `crypto.getRandomValues`. */
  readonly random?: (n: number) => Uint8Array;
  /** How long to wait for acknowledgements before switching to a new sender key. Default: DEFAULT_ACK_TIMEOUT_MS. */
  readonly ackTimeoutMs?: number;
}

/**
 * Checks the options a KeyManager is made with (`TypeError` naming the first fault); returns our
 * raw ECDH public key and the ack timeout.
 */
export function checkKeyManagerOptions(options: KeyManagerOptions): {
  selfEcdhRaw: Bytes;
  ackTimeoutMs: number;
} {
  const { self, identity, linkSecret, send } = options;
  if (typeof send !== 'function') {
    throw new TypeError('send must be a function');
  }
  if (
    identity?.publicKeys?.ecdh !== self?.identity?.ecdh ||
    identity.publicKeys.sign !== self.identity.sign
  ) {
    throw new TypeError('self.identity must be the public keys of identity');
  }
  const selfEcdhRaw = decodePublicKey(identity.publicKeys.ecdh);
  if (selfEcdhRaw === undefined) {
    throw new TypeError('identity has malformed public keys');
  }
  if (linkSecret !== undefined && !isLinkSecret(linkSecret)) {
    throw new TypeError('linkSecret must be base64url of at least 16 bytes');
  }
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  if (!Number.isFinite(ackTimeoutMs) || ackTimeoutMs < 0) {
    throw new TypeError('ackTimeoutMs must be a finite number >= 0');
  }
  return { selfEcdhRaw, ackTimeoutMs };
}
