/**
 * Members a host sent back to the waiting room (a jury or a committee
 * deliberating in camera). While held out, every join of theirs (a reload,
 * a reconnect, a refreshed token) waits in the lobby for a host's admission,
 * whatever their invite or the room allows; `admit` releases them. A mark
 * lasts at most until the time given (a sitting does not outlast a day), so
 * a member never brought back is not kept out for ever. In memory for one
 * node (InMemoryHeldOut); in Redis for several (RedisHeldOut).
 */
export interface HeldOut {
  /** Holds the member out of the room until released or `untilMs` (a later hold replaces it). */
  hold(roomId: string, memberId: string, untilMs: number): Promise<void>;
  /** A host let the member back in. */
  release(roomId: string, memberId: string): Promise<void>;
  isHeldOut(roomId: string, memberId: string): Promise<boolean>;
}

/** How long a mark lasts at most: longer than any sitting, shorter than for ever. */
export const HELD_OUT_MS = 24 * 60 * 60 * 1000;

/** Bound on entries kept (a flood of holds cannot grow memory without end). */
const MAX_ENTRIES = 100_000;

export class InMemoryHeldOut implements HeldOut {
  /** `<roomId> <memberId>` -> until (ms). */
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(deps: { now?: () => number } = {}) {
    this.#now = deps.now ?? Date.now;
  }

  hold(roomId: string, memberId: string, untilMs: number): Promise<void> {
    this.#prune();
    const key = keyOf(roomId, memberId);
    this.#until.delete(key);
    if (this.#until.size >= MAX_ENTRIES) {
      // The oldest holds go first (Map keeps insertion order).
      const oldest = this.#until.keys().next().value;
      if (oldest !== undefined) {
        this.#until.delete(oldest);
      }
    }
    this.#until.set(key, untilMs);
    return Promise.resolve();
  }

  release(roomId: string, memberId: string): Promise<void> {
    this.#until.delete(keyOf(roomId, memberId));
    return Promise.resolve();
  }

  isHeldOut(roomId: string, memberId: string): Promise<boolean> {
    const until = this.#until.get(keyOf(roomId, memberId));
    return Promise.resolve(until !== undefined && until > this.#now());
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, until] of this.#until) {
      if (until <= now) {
        this.#until.delete(key);
      }
    }
  }
}

// A space never appears in a room or member id (both are base64url or UUID-like).
function keyOf(roomId: string, memberId: string): string {
  return `${roomId} ${memberId}`;
}
