/**
 * Revoked tokens and members. A removed member's token id (`jti`) and member
 * id (`sub`) are refused until the longest a token could still live, so
 * neither the old token nor a refreshed one gets back in. In memory for one
 * node (InMemoryRevocations); in Redis for several (RedisRevocations).
 */
export interface Revocations {
  /** Refuses `value` until `untilMs`; a later revocation of the same value keeps the later time. */
  revoke(kind: RevocationKind, value: string, untilMs: number): Promise<void>;
  isRevoked(kind: RevocationKind, value: string): Promise<boolean>;
}

export type RevocationKind = 'jti' | 'sub';

/** Bound on entries kept (a flood of removals cannot grow memory without end). */
const MAX_ENTRIES = 100_000;

export class InMemoryRevocations implements Revocations {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(deps: { now?: () => number } = {}) {
    this.#now = deps.now ?? Date.now;
  }

  revoke(kind: RevocationKind, value: string, untilMs: number): Promise<void> {
    this.#prune();
    if (this.#until.size >= MAX_ENTRIES) {
      // The oldest entries go first (Map keeps insertion order).
      const oldest = this.#until.keys().next().value;
      if (oldest !== undefined) {
        this.#until.delete(oldest);
      }
    }
    const key = `${kind}:${value}`;
    this.#until.set(key, Math.max(untilMs, this.#until.get(key) ?? 0));
    return Promise.resolve();
  }

  isRevoked(kind: RevocationKind, value: string): Promise<boolean> {
    const until = this.#until.get(`${kind}:${value}`);
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
