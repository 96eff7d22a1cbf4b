import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo } from '@confidentiel/protocol';
import { E2eeError } from '../E2eeError.ts';
import type { LocalIdentity } from './LocalIdentity.ts';

/** Why an envelope or chat message from a member was refused. */
export type RejectReason =
  'bad-signature' | 'bad-link-mac' | 'undecryptable' | 'malformed' | 'unknown-member' | 'stale';

export type KeyManagerEvents = {
  /** Switch outgoing encryption to this key now (already acknowledged by the others or timed out). */
  senderKey: [{ epoch: number; key: Uint8Array }];
  /** Install at once for decrypting `memberId` (its frames carry KID sender index = senderIndex, epoch). */
  receiverKey: [{ memberId: string; senderIndex: number; epoch: number; key: Uint8Array }];
  /** Forget every key of a member who left. */
  receiverRemoved: [{ memberId: string; senderIndex: number }];
  /** An envelope or chat failed verification (bad signature, wrong link MAC, undecryptable). */
  rejected: [{ memberId: string; reason: RejectReason }];
};

/** Default time a sender waits for acknowledgements before switching to a new key anyway. */
export const DEFAULT_ACK_TIMEOUT_MS = 1_500;

export interface KeyManagerOptions {
  /** This member, from the join acknowledgement (memberId, senderIndex, identity). */
  readonly self: MemberInfo;
  readonly identity: LocalIdentity;
  /** When set, members whose identity lacks a valid linkMac get no keys and their envelopes are rejected. */
  readonly linkSecret?: string;
  /** Sends one sealed envelope to one member (the `relayKey` request). */
  readonly send: (to: string, envelope: string) => Promise<void>;
  /** Milliseconds, for timeouts. Default: `Date.now`. */
  readonly now?: () => number;
  /** Random bytes. Default: `crypto.getRandomValues`. */
  readonly random?: (n: number) => Uint8Array;
  /** Default: DEFAULT_ACK_TIMEOUT_MS. */
  readonly ackTimeoutMs?: number;
}

export interface KeyManagerStatus {
  readonly epoch: number;
  readonly pendingAcks: number;
  readonly knownSenders: number;
}

export type OpenChatResult = { ok: true; text: string } | { ok: false; reason: string };

/** Distributes this member's sender keys and collects the other members' (see the README). */
export class KeyManager extends TypedEmitter<KeyManagerEvents> {
  constructor(options: KeyManagerOptions) {
    super();
    void options;
  }

  start(_members: MemberInfo[]): Promise<void> {
    return Promise.reject(new E2eeError('internal', 'not implemented yet'));
  }

  memberJoined(_member: MemberInfo): Promise<void> {
    return Promise.reject(new E2eeError('internal', 'not implemented yet'));
  }

  memberLeft(_memberId: string): Promise<void> {
    return Promise.reject(new E2eeError('internal', 'not implemented yet'));
  }

  receiveEnvelope(_from: string, _envelope: string): Promise<void> {
    return Promise.resolve();
  }

  requestKey(_memberId: string): Promise<void> {
    return Promise.reject(new E2eeError('internal', 'not implemented yet'));
  }

  sealChat(_text: string): Promise<string> {
    return Promise.reject(new E2eeError('internal', 'not implemented yet'));
  }

  openChat(_from: string, _ciphertext: string): Promise<OpenChatResult> {
    return Promise.resolve({ ok: false, reason: 'not-implemented' });
  }

  get status(): KeyManagerStatus {
    return { epoch: 0, pendingAcks: 0, knownSenders: 0 };
  }

  close(): void {}
}
