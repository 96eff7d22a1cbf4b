import {
  KeyManager,
  type KeyManagerEvents,
  type KeyManagerOptions,
  type KeyManagerStatus,
  type OpenChatResult,
} from '@confidentiel/e2ee';
import { MlsKeyManager, type MlsTransport } from '@confidentiel/e2ee/mls';
import type { MemberInfo } from '@confidentiel/protocol';
import type { MeetingClient } from '../media/MeetingClient.ts';

/**
 * How the browsers of a meeting agree on media keys: one MLS group (RFC 9420, the default: one
 * commit per change, whatever the room's size; docs/adr/0013-mls-group-keys.md), or pairwise
 * envelopes (the earlier path, kept for comparison in tests and the bench).
 */
export type KeyAgreement = 'mls' | 'pairwise';

export type SessionKeyManagerEvents = KeyManagerEvents;

/** What the session needs of a key manager (@confidentiel/e2ee); a fake in tests. */
export interface KeyManagerLike {
  on<K extends keyof SessionKeyManagerEvents>(
    event: K,
    listener: (...args: SessionKeyManagerEvents[K]) => void,
  ): () => void;
  start(members: MemberInfo[]): Promise<void>;
  memberJoined(member: MemberInfo): Promise<void>;
  memberLeft(memberId: string): Promise<void>;
  receiveEnvelope(from: string, envelope: string): Promise<void>;
  /** Frames from `memberId` arrived under `epoch`, whose key we lack. */
  requestKey(memberId: string, epoch?: number): Promise<void>;
  sealChat(text: string): Promise<string>;
  openChat(from: string, ciphertext: string): Promise<OpenChatResult>;
  shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean>;
  readonly status: KeyManagerStatus;
  close(): void;
  // MLS only (the Delivery Service's events).
  memberUpdated?(member: MemberInfo): Promise<void>;
  receiveKeyPackage?(memberId: string, keyPackage: string): Promise<void>;
  receiveCommit?(from: string, epoch: number, commit: string): Promise<void>;
  receiveWelcome?(from: string, welcome: string): Promise<void>;
  reset?(): Promise<void>;
}

export type SessionKeyManagerOptions = KeyManagerOptions & { readonly transport: MlsTransport };

export function createKeyManager(agreement: KeyAgreement, options: SessionKeyManagerOptions): KeyManagerLike {
  return agreement === 'pairwise' ? new KeyManager(options) : new MlsKeyManager(options);
}

/** Signaling as the MLS Delivery Service, through the meeting's socket. */
export function mlsTransportOf(client: MeetingClient): MlsTransport {
  return {
    join: (keyPackage) => client.mlsJoin(keyPackage),
    commit: (request) => client.mlsCommit(request),
  };
}

/** Feeds the Delivery Service's events (and role changes) to the key manager. Returns the undo. */
export function followMlsEvents(
  client: MeetingClient,
  keyManager: () => KeyManagerLike | null,
  onError: (what: string, error: unknown) => void,
): Array<() => void> {
  const run = (what: string, call: (manager: KeyManagerLike) => Promise<void> | undefined) => {
    const manager = keyManager();
    if (manager !== null) {
      call(manager)?.catch((error: unknown) => onError(what, error));
    }
  };
  return [
    client.on('memberUpdated', (member) => run('role change', (m) => m.memberUpdated?.(member))),
    client.on('mlsKeyPackage', ({ memberId, keyPackage }) =>
      run('key package', (m) => m.receiveKeyPackage?.(memberId, keyPackage)),
    ),
    client.on('mlsCommit', ({ from, epoch, commit }) =>
      run('commit', (m) => m.receiveCommit?.(from, epoch, commit)),
    ),
    client.on('mlsWelcome', ({ from, welcome }) => run('welcome', (m) => m.receiveWelcome?.(from, welcome))),
    client.on('mlsReset', () => run('reset', (m) => m.reset?.())),
  ];
}
