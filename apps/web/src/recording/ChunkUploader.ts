import { TypedEmitter } from '@confidentiel/events';
import { ApiError } from '../api/meetingsApi.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { backoffDelay, UPLOAD_BACKOFF, type BackoffPolicy } from './backoff.ts';
import type { ChunkQueue, QueuedChunk } from './ChunkQueue.ts';
import type { RecordingServer } from './RecordingApi.ts';

export interface UploadProgress {
  /** Chunks the server acknowledged through this uploader. */
  uploaded: number;
  /** Chunks still queued in this browser. */
  pending: number;
  /** Chunks the server will never take (its index holds other bytes, or the recording was finished). */
  rejected: number;
  /** The last pass gave up before the queue was empty; the next one retries. */
  failing: boolean;
}

export type ChunkUploaderEvents = {
  progress: [UploadProgress];
};

export interface ChunkUploaderOptions {
  queue: ChunkQueue;
  server: RecordingServer;
  recordingId: string;
  /** The recording's write token (from its creation). */
  writeToken: string;
  policy?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

/** What to do after a failed upload. */
type FailureKind = 'retry' | 'stop' | 'drop';

/**
 * Retry what may pass later (network, server trouble, a token refreshed
 * meanwhile); stop on what will not pass with this token (forbidden, not
 * found); drop a chunk the server refuses for good (`conflict`: other bytes
 * at its index, or the recording finished).
 */
export function failureKind(error: unknown): FailureKind {
  if (!(error instanceof ApiError)) {
    return 'retry';
  }
  switch (error.reason) {
    case 'conflict':
      return 'drop';
    case 'forbidden':
    case 'not-found':
    case 'room-not-found':
    case 'removed':
    case 'invalid-payload':
    case 'too-large':
      return 'stop';
    default:
      return 'retry';
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Drains one recording's queue to the server, oldest index first. A chunk
 * leaves the queue only once the server acknowledged exactly its bytes (the
 * SHA-256 it answers is checked). Each chunk is tried a bounded number of
 * times per pass, with growing delays; what is left waits for the next pass
 * (the next chunk recorded, the network coming back, or the next page load).
 */
export class ChunkUploader extends TypedEmitter<ChunkUploaderEvents> {
  readonly #options: ChunkUploaderOptions;
  readonly #policy: BackoffPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #logger: Logger;
  #progress: UploadProgress = { uploaded: 0, pending: 0, rejected: 0, failing: false };
  #running: Promise<boolean> | null = null;
  #again = false;
  #closed = false;

  constructor(options: ChunkUploaderOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
    this.#policy = options.policy ?? UPLOAD_BACKOFF;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#logger = logger;
  }

  get progress(): UploadProgress {
    return this.#progress;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts a pass, or asks the running one for another round when it ends. */
  kick(): void {
    void this.drain().catch((error: unknown) => this.#logger.warn('recording upload pass failed', error));
  }

  /**
   * Runs passes until the queue is empty (true) or a pass gave up (false).
   * Concurrent calls share the running passes.
   */
  drain(): Promise<boolean> {
    if (this.#closed) {
      return Promise.resolve(false);
    }
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      try {
        let empty: boolean;
        do {
          this.#again = false;
          empty = await this.#pass();
        } while (this.#again && empty && !this.#closed);
        return empty;
      } finally {
        this.#running = null;
      }
    })();
    this.#running = run;
    return run;
  }

  /** Stops after the current attempt; nothing queued is lost. Idempotent. */
  close(): void {
    this.#closed = true;
  }

  /** Re-reads how many chunks wait (after chunks were queued). */
  async refresh(): Promise<void> {
    this.#update({ pending: await this.#options.queue.count(this.#options.recordingId) });
  }

  /** Uploads until the queue is empty (true), including chunks queued meanwhile, or gives up (false). */
  async #pass(): Promise<boolean> {
    const { queue, recordingId } = this.#options;
    for (;;) {
      const chunks = await queue.pending(recordingId);
      this.#update({ pending: chunks.length });
      if (chunks.length === 0) {
        this.#update({ failing: false });
        return true;
      }
      for (const chunk of chunks) {
        if (this.#closed) {
          return false;
        }
        const outcome = await this.#upload(chunk);
        if (outcome === 'gave-up') {
          this.#update({ failing: true });
          return false;
        }
        await queue.delete(recordingId, chunk.index);
        this.#update({
          uploaded: this.#progress.uploaded + (outcome === 'stored' ? 1 : 0),
          rejected: this.#progress.rejected + (outcome === 'dropped' ? 1 : 0),
          pending: await queue.count(recordingId),
        });
      }
    }
  }

  async #upload(chunk: QueuedChunk): Promise<'stored' | 'dropped' | 'gave-up'> {
    const expected = await sha256Hex(chunk.sealed);
    for (let attempt = 1; attempt <= this.#policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        await this.#sleep(backoffDelay(attempt - 1, this.#policy, this.#options.random));
        if (this.#closed) {
          return 'gave-up';
        }
      }
      try {
        const { sha256 } = await this.#options.server.putChunk(
          chunk.recordingId,
          chunk.index,
          chunk.sealed,
          this.#options.writeToken,
        );
        if (sha256 === expected) {
          return 'stored';
        }
        this.#logger.warn(`chunk ${chunk.index}: the server acknowledged other bytes`);
      } catch (error) {
        switch (failureKind(error)) {
          case 'drop':
            this.#logger.error(`chunk ${chunk.index} refused for good; dropped`, error);
            return 'dropped';
          case 'stop':
            this.#logger.warn(`chunk ${chunk.index} refused; kept for later`, error);
            return 'gave-up';
          case 'retry':
            this.#logger.info(`chunk ${chunk.index} upload failed (try ${attempt})`, error);
            break;
        }
      }
    }
    return 'gave-up';
  }

  #update(patch: Partial<UploadProgress>): void {
    const next = { ...this.#progress, ...patch };
    if (
      next.uploaded === this.#progress.uploaded &&
      next.pending === this.#progress.pending &&
      next.rejected === this.#progress.rejected &&
      next.failing === this.#progress.failing
    ) {
      return;
    }
    this.#progress = next;
    this.emit('progress', next);
  }
}
