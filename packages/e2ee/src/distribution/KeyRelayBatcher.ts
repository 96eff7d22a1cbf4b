import { MAX_ENVELOPES_PER_BATCH } from '@confidentiel/protocol';

/** One sealed key envelope for one member. */
export interface RelayEnvelope {
  readonly to: string;
  readonly envelope: string;
}

export interface KeyRelayBatcherOptions {
  /** The `relayKeys` request: answers the addressees the server could not reach. */
  relay: (envelopes: RelayEnvelope[]) => Promise<{ undelivered: readonly string[] }>;
  /** Whether a failed request is worth sending again (the server was busy or rate-limited). */
  isRetryable: (error: unknown) => boolean;
  /** Waits before each new try of a refused batch; its length bounds the tries. */
  retryDelaysMs?: readonly number[];
  /** Envelopes per request. Default: the protocol's MAX_ENVELOPES_PER_BATCH. */
  maxEnvelopes?: number;
  /** Envelope characters per request, under the server's message size limit. */
  maxChars?: number;
  /**
   * How long the first envelope waits for others to join its request. Default: RELAY_WINDOW_MS.
   * 0: only the envelopes handed over in the same turn of the event loop.
   */
  windowMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Envelopes do not all come from one call: a member acknowledges each key it receives, as it
 * arrives. 20 ms gathers the acknowledgements of a room's key change into a few requests
 * (one request each spent a room of 20's address budget and refused its next joins).
 */
export const RELAY_WINDOW_MS = 20;

/** Doubling waits: a key change stays well within its acknowledgement timeout when it can. */
export const RELAY_RETRY_DELAYS_MS: readonly number[] = [200, 400, 800, 1_600];
/** 48,000 characters of envelopes leave room for the rest of a 64 KiB message. */
export const MAX_BATCH_CHARS = 48_000;

interface Pending extends RelayEnvelope {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the key envelopes of one change together: envelopes handed over within a short window
 * (RELAY_WINDOW_MS) go out in as few `relayKeys` requests as fit, instead of one request each
 * (a key change in a room of n members is O(n) envelopes per member, which the per-socket
 * request budget refused past a few dozen members). A batch the server refuses as busy or
 * rate-limited is sent again after a wait, a bounded number of times.
 */
export class KeyRelayBatcher {
  readonly #options: KeyRelayBatcherOptions;
  readonly #maxEnvelopes: number;
  readonly #maxChars: number;
  readonly #delays: readonly number[];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #windowMs: number;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;

  constructor(options: KeyRelayBatcherOptions) {
    this.#options = options;
    this.#maxEnvelopes = options.maxEnvelopes ?? MAX_ENVELOPES_PER_BATCH;
    this.#maxChars = options.maxChars ?? MAX_BATCH_CHARS;
    this.#delays = options.retryDelaysMs ?? RELAY_RETRY_DELAYS_MS;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#windowMs = options.windowMs ?? RELAY_WINDOW_MS;
    if (!Number.isInteger(this.#maxEnvelopes) || this.#maxEnvelopes < 1) {
      throw new TypeError('maxEnvelopes must be a positive integer');
    }
  }

  /** Resolves once the server relayed the envelope; rejects when it could not (`not-found`) or gave up. */
  send(to: string, envelope: string): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error('the key relay is closed'));
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ to, envelope, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        if (this.#windowMs > 0) {
          setTimeout(() => this.#flush(), this.#windowMs);
        } else {
          queueMicrotask(() => this.#flush());
        }
      }
    });
  }

  /** Idempotent: envelopes not yet sent are dropped (their promises reject). */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    const dropped = this.#queue;
    this.#queue = [];
    for (const pending of dropped) {
      pending.reject(new Error('the key relay is closed'));
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#closed) {
      return;
    }
    const queue = this.#queue;
    this.#queue = [];
    for (const batch of this.#split(queue)) {
      void this.#sendBatch(batch);
    }
  }

  #split(queue: Pending[]): Pending[][] {
    const batches: Pending[][] = [];
    let current: Pending[] = [];
    let chars = 0;
    for (const pending of queue) {
      const size = pending.envelope.length + pending.to.length;
      if (current.length > 0 && (current.length >= this.#maxEnvelopes || chars + size > this.#maxChars)) {
        batches.push(current);
        current = [];
        chars = 0;
      }
      current.push(pending);
      chars += size;
    }
    if (current.length > 0) {
      batches.push(current);
    }
    return batches;
  }

  async #sendBatch(batch: Pending[]): Promise<void> {
    const envelopes = batch.map(({ to, envelope }) => ({ to, envelope }));
    for (let attempt = 0; ; attempt++) {
      try {
        const { undelivered } = await this.#options.relay(envelopes);
        const missing = new Set(undelivered);
        for (const pending of batch) {
          if (missing.has(pending.to)) {
            pending.reject(new Error(`member ${pending.to} is not in the meeting`));
          } else {
            pending.resolve();
          }
        }
        return;
      } catch (error) {
        const delay = this.#delays[attempt];
        if (this.#closed || delay === undefined || !this.#options.isRetryable(error)) {
          for (const pending of batch) {
            pending.reject(error);
          }
          return;
        }
        await this.#sleep(delay);
      }
    }
  }
}
