import type { Clock } from '../engine/clock.ts';
import { settle } from './fakeRoom.ts';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * Test support: time that moves only when told. `advance()` runs due timers
 * in order; `run()` also lets the promise work each timer starts settle
 * before the next is due (so a backoff scheduled after a request lands at
 * the right time).
 */
export class FakeClock implements Clock {
  #now = 1_000_000;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, running every timer due on the way (synchronously). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let next = this.#next(target); next; next = this.#next(target)) {
      this.#timers.delete(next);
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
  }

  /** Moves time on by `ms`, settling pending promises after each timer. */
  async run(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (let next = this.#next(target); next; next = this.#next(target)) {
      this.#timers.delete(next);
      this.#now = next.at;
      next.callback();
      await settle();
    }
    this.#now = target;
  }

  #next(until: number): Timer | null {
    let next: Timer | null = null;
    for (const timer of this.#timers) {
      if (
        timer.at <= until &&
        (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
      ) {
        next = timer;
      }
    }
    return next;
  }
}
