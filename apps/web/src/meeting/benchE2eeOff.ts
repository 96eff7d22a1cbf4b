import type { E2eeSessionOptions, KeyManagerLike } from '../e2ee/E2eeSession.ts';
import type { WorkerLike } from '../e2ee/E2eeWorkerClient.ts';
import type { FromWorker, ToWorker } from '../e2ee/worker/protocol.ts';
import { isWrongKeyRequest, type WrongKeyRequest } from '../e2ee/worker/wrongKeyForTest.ts';

/**
 * The benchmark's control build only (VITE_BENCH_E2EE_OFF=true, see browserMeetingFlow.ts): the
 * same join without end-to-end encryption, to measure what E2EE adds to it. No E2EE worker is
 * started and no key is exchanged; the identity key pairs are still made, because the join
 * request carries them. Never used by the production build (the bundler drops it).
 */

/** Answers like the E2EE worker, does nothing: no transform is ever attached in this build. */
class IdleWorker implements WorkerLike {
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor() {
    // After the client has set its handler, as a real worker's first message would come.
    setTimeout(() => this.#send({ type: 'ready' }), 0);
  }

  postMessage(message: ToWorker | WrongKeyRequest): void {
    if (message.type === 'getStats') {
      const stats = { senderEpoch: null, receivers: [], transforms: [] };
      this.#send({ type: 'response', requestId: message.requestId, result: { type: 'stats', stats } });
    } else if (isWrongKeyRequest(message)) {
      this.#send({ type: 'response', requestId: message.requestId, result: { type: 'done', ok: false } });
    }
  }

  terminate(): void {
    this.onmessage = null;
  }

  #send(message: FromWorker): void {
    this.onmessage?.({ data: message } as MessageEvent<FromWorker>);
  }
}

/** Exchanges no key. */
const idleKeyManager: KeyManagerLike = {
  on: () => () => {},
  start: () => Promise.resolve(),
  memberJoined: () => Promise.resolve(),
  memberLeft: () => Promise.resolve(),
  receiveEnvelope: () => Promise.resolve(),
  requestKey: () => Promise.resolve(),
  sealChat: () => Promise.reject(new Error('no chat in the bench control build')),
  openChat: () => Promise.resolve({ ok: false, reason: 'bench control build' }),
  shareCommitteeSecret: () => Promise.resolve(false),
  status: { epoch: 0, pendingAcks: 0, knownSenders: 0 },
  close: () => {},
};

/** What E2eeSession.create is given in the control build instead of the worker and the key manager. */
export function benchE2eeOffOptions(): Pick<E2eeSessionOptions, 'worker' | 'createKeyManager'> {
  return { worker: new IdleWorker(), createKeyManager: () => idleKeyManager };
}
