import { TypedEmitter } from '@confidentiel/events';
import { silentLogger, type Logger } from '../logger.ts';
import type { TransformMode } from './transformSupport.ts';
import type {
  FromWorker,
  ToWorker,
  TransformOptions,
  TryDecryptResult,
  WorkerResponse,
  WorkerStats,
} from './worker/protocol.ts';

/** How long the worker may take to load and say it is ready. */
export const WORKER_READY_TIMEOUT_MS = 10_000;
/** How long a question to the worker (stats, oracle) may wait. */
export const WORKER_REQUEST_TIMEOUT_MS = 5_000;

/** The part of a Worker used here (a fake in tests). */
export interface WorkerLike {
  postMessage(message: ToWorker, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export type E2eeWorkerEvents = {
  /** Frames of this member need a key we lack. */
  keyRequest: [{ memberId: string; epoch: number }];
  transformActive: [transformId: string];
  transformEnded: [transformId: string];
  senderKeyInstalled: [epoch: number];
  /** The worker failed to load, crashed, or refused something. */
  failure: [message: string];
};

export interface E2eeWorkerClientOptions {
  mode: TransformMode;
  /** Default: the bundled module worker. */
  worker?: WorkerLike;
  logger?: Logger;
  /** Default: `new RTCRtpScriptTransform(worker, options)`. */
  createScriptTransform?: (worker: WorkerLike, options: TransformOptions) => RTCRtpScriptTransform;
}

export type AttachOptions = Omit<TransformOptions, 'transformId'>;

interface Pending {
  resolve: (result: WorkerResponse) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
}

function createBundledWorker(): WorkerLike {
  // Written out literally so that Vite bundles the worker as a module of its own.
  return new Worker(new URL('./worker/e2eeWorker.ts', import.meta.url), {
    type: 'module',
    name: 'e2ee',
  }) as unknown as WorkerLike;
}

/**
 * The page's side of the E2EE worker: attaches transforms to RTP senders and
 * receivers, hands it keys, and asks it for counters. Idempotent `close()`.
 */
export class E2eeWorkerClient extends TypedEmitter<E2eeWorkerEvents> {
  readonly mode: TransformMode;
  /** Resolves once the worker runs; rejects if it cannot load. */
  readonly ready: Promise<void>;
  readonly #worker: WorkerLike;
  readonly #logger: Logger;
  readonly #createScriptTransform: (worker: WorkerLike, options: TransformOptions) => RTCRtpScriptTransform;
  readonly #pending = new Map<number, Pending>();
  #nextRequestId = 1;
  #nextTransformId = 1;
  #closed = false;
  #failed: string | null = null;

  constructor(options: E2eeWorkerClientOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.mode = options.mode;
    this.#logger = logger;
    this.#createScriptTransform =
      options.createScriptTransform ??
      ((worker, transformOptions) =>
        new RTCRtpScriptTransform(worker as unknown as Worker, transformOptions));
    this.#worker = options.worker ?? createBundledWorker();
    let markReady: () => void = () => {};
    let markFailed: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    // Nobody may be waiting on it yet; a failure is also reported as an event.
    this.ready.catch(() => undefined);
    const timer = setTimeout(
      () => markFailed(new Error('the E2EE worker did not start')),
      WORKER_READY_TIMEOUT_MS,
    );
    this.#worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'ready') {
        clearTimeout(timer);
        markReady();
        return;
      }
      this.#onMessage(message);
    };
    this.#worker.onerror = (event) => {
      clearTimeout(timer);
      const message = (event as ErrorEvent).message || 'the E2EE worker failed';
      markFailed(new Error(message));
      this.#fail(message);
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the worker is unusable, or null. */
  get failure(): string | null {
    return this.#failed;
  }

  /** Puts the send transform on `sender`, before any frame flows. Throws when it cannot. */
  attachSender(sender: RTCRtpSender, options: Omit<AttachOptions, 'role' | 'memberId'>): string {
    return this.#attach(sender, { ...options, role: 'send' });
  }

  /** Puts the receive transform on `receiver`, before any frame flows. Throws when it cannot. */
  attachReceiver(
    receiver: RTCRtpReceiver,
    options: Omit<AttachOptions, 'role'> & { memberId: string },
  ): string {
    return this.#attach(receiver, { ...options, role: 'recv' });
  }

  /** The worker gets a copy (postMessage clones); the page's copy is wiped at once. */
  setSenderKey(epoch: number, key: Uint8Array): void {
    const copy = Uint8Array.from(key);
    this.#post({ type: 'setSenderKey', epoch, key: copy });
    copy.fill(0);
  }

  setReceiverKey(memberId: string, senderIndex: number, epoch: number, key: Uint8Array): void {
    const copy = Uint8Array.from(key);
    this.#post({ type: 'setReceiverKey', memberId, senderIndex, epoch, key: copy });
    copy.fill(0);
  }

  removeReceiver(memberId: string): void {
    this.#post({ type: 'removeReceiver', memberId });
  }

  async getStats(): Promise<WorkerStats> {
    const result = await this.#request((requestId) => ({ type: 'getStats', requestId }));
    if (result.type !== 'stats') {
      throw new Error('unexpected answer to getStats');
    }
    return result.stats;
  }

  async tryDecrypt(memberId: string, codec: string, frame: ArrayBuffer): Promise<TryDecryptResult> {
    const result = await this.#request(
      (requestId) => ({ type: 'tryDecrypt', requestId, memberId, codec, frame }),
      [frame],
    );
    if (result.type !== 'tryDecrypt') {
      throw new Error('unexpected answer to tryDecrypt');
    }
    return result.result;
  }

  /**
   * A request the product's worker does not know (the test build's negative control,
   * worker/wrongKeyForTest.ts); the production worker never answers it.
   */
  async requestForTest(make: (requestId: number) => { type: string; requestId: number }): Promise<boolean> {
    const result = await this.#request(make as (requestId: number) => ToWorker);
    return result.type === 'done' && result.ok;
  }

  /** Idempotent: stops the worker (every transform then stops passing frames). */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#worker.onmessage = null;
    this.#worker.onerror = null;
    this.#worker.terminate();
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the E2EE worker is closed'));
    }
    this.#pending.clear();
    this.removeAllListeners();
  }

  #attach(target: RTCRtpSender | RTCRtpReceiver, options: AttachOptions): string {
    if (this.#closed || this.#failed !== null) {
      throw new Error(`cannot attach a transform: ${this.#failed ?? 'the E2EE worker is closed'}`);
    }
    const transformId = `${options.role}-${options.kind}-${this.#nextTransformId++}`;
    const full: TransformOptions = { ...options, transformId };
    switch (this.mode) {
      case 'script-transform':
        target.transform = this.#createScriptTransform(this.#worker, full);
        break;
      case 'encoded-streams': {
        const create = (target as { createEncodedStreams?: () => EncodedStreams }).createEncodedStreams;
        if (typeof create !== 'function') {
          throw new Error('createEncodedStreams is missing');
        }
        const { readable, writable } = create.call(target);
        this.#worker.postMessage({ type: 'attachStreams', options: full, readable, writable }, [
          readable,
          writable,
        ]);
        break;
      }
      default: {
        const unreachable: never = this.mode;
        throw new Error(`unknown transform mode ${String(unreachable)}`);
      }
    }
    return transformId;
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.#closed) {
      return;
    }
    this.#worker.postMessage(message, transfer);
  }

  #request(make: (requestId: number) => ToWorker, transfer: Transferable[] = []): Promise<WorkerResponse> {
    if (this.#closed) {
      return Promise.reject(new Error('the E2EE worker is closed'));
    }
    const requestId = this.#nextRequestId++;
    return new Promise<WorkerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new Error('the E2EE worker did not answer'));
      }, WORKER_REQUEST_TIMEOUT_MS);
      this.#pending.set(requestId, { resolve, reject, timer });
      this.#post(make(requestId), transfer);
    });
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'response': {
        const pending = this.#pending.get(message.requestId);
        if (pending) {
          this.#pending.delete(message.requestId);
          clearTimeout(pending.timer);
          pending.resolve(message.result);
        }
        return;
      }
      case 'keyRequest':
        this.emit('keyRequest', { memberId: message.memberId, epoch: message.epoch });
        return;
      case 'transformActive':
        this.emit('transformActive', message.transformId);
        return;
      case 'transformEnded':
        this.emit('transformEnded', message.transformId);
        return;
      case 'senderKeyInstalled':
        this.emit('senderKeyInstalled', message.epoch);
        return;
      case 'failure':
        // Refusals inside the worker (a stale key, a bad transform): logged, the worker goes on.
        this.#logger.warn(`e2ee worker: ${message.message}`);
        return;
      default: {
        const unreachable: never = message;
        this.#logger.warn('unknown message from the e2ee worker', unreachable);
      }
    }
  }

  #fail(message: string): void {
    if (this.#failed !== null) {
      return;
    }
    this.#failed = message;
    this.#logger.error(`e2ee worker failed: ${message}`);
    this.emit('failure', message);
  }
}
