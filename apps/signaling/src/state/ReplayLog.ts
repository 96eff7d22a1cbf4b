import type { Logger } from 'pino';

/** Bound on writes remembered (a flood of removals cannot grow memory without end). */
const MAX_ENTRIES = 100_000;
/** Replays sent to Redis at once. */
const BATCH = 50;

interface Entry {
  untilMs: number;
  replay: () => Promise<void>;
}

export interface ReplayLogOptions {
  logger: Logger;
  now?: () => number;
}

/**
 * The writes this node made to Redis that must outlive a Redis restart
 * (Redis keeps nothing on disk): a revocation, a role change, an ended
 * meeting, an admission. Each is remembered under a key (a later write of
 * the same key replaces it) until it would have expired in Redis anyway, and
 * written again, all of them, when the connection to Redis comes back.
 * Replays are the same idempotent writes, so writing them to a Redis that
 * forgot nothing changes nothing.
 */
export class ReplayLog {
  readonly #entries = new Map<string, Entry>();
  readonly #logger: Logger;
  readonly #now: () => number;
  #replaying: Promise<void> | undefined;

  constructor(options: ReplayLogOptions) {
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  remember(key: string, untilMs: number, replay: () => Promise<void>): void {
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) {
      this.#prune();
    }
    if (this.#entries.size >= MAX_ENTRIES) {
      // The oldest entry goes first (Map keeps insertion order).
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(key, { untilMs, replay });
  }

  /** Writes every live entry again (one pass at a time; a pass asked meanwhile joins it). */
  replayAll(): Promise<void> {
    this.#replaying ??= this.#replay().finally(() => {
      this.#replaying = undefined;
    });
    return this.#replaying;
  }

  async #replay(): Promise<void> {
    this.#prune();
    const live = [...this.#entries.values()];
    let failed = 0;
    for (let i = 0; i < live.length; i += BATCH) {
      const results = await Promise.allSettled(live.slice(i, i + BATCH).map((e) => e.replay()));
      failed += results.filter((r) => r.status === 'rejected').length;
    }
    if (live.length > 0) {
      this.#logger.info({ written: live.length - failed, failed }, 'shared state written back to Redis');
    }
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.untilMs <= now) {
        this.#entries.delete(key);
      }
    }
  }
}
