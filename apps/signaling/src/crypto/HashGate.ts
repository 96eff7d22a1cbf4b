import { BusyError } from './BusyError.ts';

/**
 * Why this exists: node:crypto's async scrypt runs on libuv's thread pool
 * (UV_THREADPOOL_SIZE threads, 4 by default), the same pool every fs call
 * uses: journal appends and fsyncs, recording chunk writes, DNS lookups. Fifty
 * sign-ins with unknown emails (each a 128 MiB dummy hash) used to fill that
 * pool's queue for ~10 s, and a journal fsync queued behind them.
 *
 * A gate in front of each kind of hash keeps the hashes running at once below
 * the pool's size, so at least two threads stay free for file I/O however
 * many hashes are asked for, and refuses at once (BusyError, HTTP 503) what
 * cannot be served within a bounded wait, instead of queueing without end.
 *
 * Alternatives weighed:
 * - scrypt in a worker_threads pool (scryptSync in each worker): file I/O
 *   could never wait behind a hash, but a bounded queue with refusals is
 *   still needed on top, plus worker start-up, crash and shutdown handling.
 *   Bounding concurrency below the pool's size gives the same guarantee with
 *   none of that (startSignaling's config check enforces the bound).
 * - a larger UV_THREADPOOL_SIZE alone: only moves the point where fs queues,
 *   and on a 2-core machine more parallel hashes only slow each other down.
 * - p-limit / p-queue: neither bounds the wait nor refuses when the queue is
 *   full (p-limit 3 is only a dev dependency here); the gate is a few dozen lines.
 */
export interface HashGateOptions {
  /** Hashes running at once (each holds a libuv thread, and 128 MiB for a password). */
  concurrency: number;
  /** Hashes that may wait for a slot; one more is refused at once. 0: never wait. */
  maxQueue: number;
  /** A hash that waited this long for a slot is refused (it never runs). */
  maxWaitMs: number;
  /** Timers (tests inject fake ones). */
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

interface Waiter {
  start(): void;
  timer: unknown;
}

/** A semaphore with a bounded wait queue and a bounded wait: see the module comment. */
export class HashGate {
  readonly #concurrency: number;
  readonly #maxQueue: number;
  readonly #maxWaitMs: number;
  readonly #setTimer: (callback: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #waiting: Waiter[] = [];
  #active = 0;

  constructor(options: HashGateOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new TypeError('concurrency must be a positive integer');
    }
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) {
      throw new TypeError('maxQueue must be a non-negative integer');
    }
    if (!(options.maxWaitMs > 0)) {
      throw new TypeError('maxWaitMs must be positive');
    }
    this.#concurrency = options.concurrency;
    this.#maxQueue = options.maxQueue;
    this.#maxWaitMs = options.maxWaitMs;
    this.#setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.#clearTimer =
      options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  /** Hashes running now. */
  get active(): number {
    return this.#active;
  }

  /** Hashes waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `task` once a slot is free. Rejects with BusyError, without running
   * it, when the queue is full or the wait exceeds maxWaitMs. The slot is
   * given back however the task ends.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#concurrency) {
      return this.#start(task);
    }
    if (this.#waiting.length >= this.#maxQueue) {
      return Promise.reject(BusyError.queueFull(this.#maxWaitMs));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          this.#clearTimer(waiter.timer);
          this.#start(task).then(resolve, reject);
        },
        timer: this.#setTimer(() => {
          const index = this.#waiting.indexOf(waiter);
          if (index !== -1) {
            this.#waiting.splice(index, 1);
            reject(BusyError.waitTimeout(this.#maxWaitMs));
          }
        }, this.#maxWaitMs),
      };
      this.#waiting.push(waiter);
    });
  }

  async #start<T>(task: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      // The freed slot goes to the oldest waiter, synchronously: no newcomer overtakes it.
      this.#waiting.shift()?.start();
    }
  }
}
