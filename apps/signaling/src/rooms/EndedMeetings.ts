/**
 * Meetings a host ended for everyone: until a host is back, nobody but a
 * host enters, even with a token still alive. Remembered for a bounded time
 * (ENDED_MEETING_TTL_MS): a meeting nobody reopens is forgotten, and nothing
 * grows without end. In memory for one node (InMemoryEndedMeetings); in
 * Redis for several (RedisEndedMeetings).
 */
export interface EndedMeetings {
  end(roomId: string): Promise<void>;
  /** A host is back: the meeting is open again. */
  reopen(roomId: string): Promise<void>;
  isEnded(roomId: string): Promise<boolean>;
}

/** How long an ended meeting stays ended: far longer than any room token lives (10 minutes, refreshed). */
export const ENDED_MEETING_TTL_MS = 24 * 60 * 60 * 1000;

/** Bound on meetings remembered (ending many meetings cannot grow memory without end). */
const MAX_ENTRIES = 100_000;

export interface EndedMeetingsOptions {
  now?: () => number;
  /** See ENDED_MEETING_TTL_MS. */
  ttlMs?: number;
}

export class InMemoryEndedMeetings implements EndedMeetings {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: EndedMeetingsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? ENDED_MEETING_TTL_MS;
  }

  end(roomId: string): Promise<void> {
    this.#prune();
    this.#until.delete(roomId);
    if (this.#until.size >= MAX_ENTRIES) {
      // The oldest go first (Map keeps insertion order, and every entry lives as long).
      const oldest = this.#until.keys().next().value;
      if (oldest !== undefined) {
        this.#until.delete(oldest);
      }
    }
    this.#until.set(roomId, this.#now() + this.#ttlMs);
    return Promise.resolve();
  }

  reopen(roomId: string): Promise<void> {
    this.#until.delete(roomId);
    return Promise.resolve();
  }

  isEnded(roomId: string): Promise<boolean> {
    const until = this.#until.get(roomId);
    return Promise.resolve(until !== undefined && until > this.#now());
  }

  #prune(): void {
    const now = this.#now();
    for (const [roomId, until] of this.#until) {
      if (until > now) {
        // Insertion order is expiry order: the rest expire later.
        break;
      }
      this.#until.delete(roomId);
    }
  }
}
