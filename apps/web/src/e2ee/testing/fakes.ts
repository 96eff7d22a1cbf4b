import type { KeyManagerEvents, KeyManagerStatus, OpenChatResult } from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo } from '@confidentiel/protocol';
import type { KeyManagerLike } from '../E2eeSession.ts';
import type { WorkerLike } from '../E2eeWorkerClient.ts';
import { E2eeWorkerHost } from '../worker/E2eeWorkerHost.ts';
import type { FromWorker, ToWorker } from '../worker/protocol.ts';

/** Test support: the E2EE worker's logic in-process, behind the Worker interface. */
export class InProcessWorker implements WorkerLike {
  onerror: ((event: Event) => void) | null = null;
  readonly received: ToWorker[] = [];
  terminated = false;
  readonly host = new E2eeWorkerHost({ post: (message) => this.fromWorker(message) });
  readonly #startFails: boolean;
  #onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  #started = false;

  constructor(options: { startFails?: boolean } = {}) {
    this.#startFails = options.startFails ?? false;
  }

  get onmessage(): ((event: MessageEvent<FromWorker>) => void) | null {
    return this.#onmessage;
  }

  /** Like a real worker, it starts (and says so) once someone listens. */
  set onmessage(listener: ((event: MessageEvent<FromWorker>) => void) | null) {
    this.#onmessage = listener;
    if (listener === null || this.#started) {
      return;
    }
    this.#started = true;
    queueMicrotask(() => {
      if (this.#startFails) {
        this.onerror?.(new Event('error'));
      } else {
        this.fromWorker({ type: 'ready' });
      }
    });
  }

  postMessage(message: ToWorker): void {
    if (this.terminated) {
      return;
    }
    // Cloned now, as postMessage does: the sender may reuse or wipe its buffers afterwards.
    const clone = structuredClone(message);
    this.received.push(clone);
    queueMicrotask(() => this.host.handle(clone));
  }

  /** A message as if the worker sent it. */
  fromWorker(message: FromWorker): void {
    queueMicrotask(() => this.onmessage?.({ data: message } as MessageEvent<FromWorker>));
  }

  terminate(): void {
    this.terminated = true;
    this.host.close();
  }
}

/** base64url of UTF-8 text (what the fake KeyManager calls sealing). */
export function fakeSeal(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fakeUnseal(ciphertext: string): string {
  const binary = atob(ciphertext.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** A KeyManager that records calls; its "sealed" chat is fakeSeal(`sealed:<text>`). */
export class FakeKeyManager extends TypedEmitter<KeyManagerEvents> implements KeyManagerLike {
  readonly calls: string[] = [];
  readonly options: {
    self: MemberInfo;
    send: (to: string, envelope: string) => Promise<void>;
    linkSecret?: string;
  };
  status: KeyManagerStatus = { epoch: 0, pendingAcks: 0, knownSenders: 0 };
  closed = false;

  constructor(options: FakeKeyManager['options']) {
    super();
    this.options = options;
  }

  start(members: MemberInfo[]): Promise<void> {
    this.calls.push(`start ${members.map((m) => m.memberId).join(',')}`);
    return Promise.resolve();
  }

  memberJoined(member: MemberInfo): Promise<void> {
    this.calls.push(`memberJoined ${member.memberId}`);
    return Promise.resolve();
  }

  memberLeft(memberId: string): Promise<void> {
    this.calls.push(`memberLeft ${memberId}`);
    return Promise.resolve();
  }

  receiveEnvelope(from: string, envelope: string): Promise<void> {
    this.calls.push(`receiveEnvelope ${from} ${envelope.length}`);
    return Promise.resolve();
  }

  requestKey(memberId: string): Promise<void> {
    this.calls.push(`requestKey ${memberId}`);
    return Promise.resolve();
  }

  sealChat(text: string): Promise<string> {
    return Promise.resolve(fakeSeal(`sealed:${text}`));
  }

  openChat(_from: string, ciphertext: string): Promise<OpenChatResult> {
    const text = fakeUnseal(ciphertext);
    return Promise.resolve(
      text.startsWith('sealed:')
        ? { ok: true, text: text.slice('sealed:'.length) }
        : { ok: false, reason: 'bad-signature' },
    );
  }

  shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    this.calls.push(`shareCommitteeSecret ${memberId} ${secret.length}`);
    return Promise.resolve(true);
  }

  close(): void {
    this.closed = true;
  }
}
