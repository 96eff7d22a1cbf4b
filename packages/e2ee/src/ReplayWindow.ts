/** CTRs remembered per KID behind the highest one seen. */
export const REPLAY_WINDOW_SIZE = 128;

export type ReplayVerdict = 'fresh' | 'replay' | 'too-old';

interface WindowState {
  /** Highest CTR accepted so far. */
  highest: bigint;
  /** Bit i set: CTR `highest - i` was accepted. Bit 0 is `highest` itself. */
  seen: bigint;
}

/**
 * A sliding window of accepted CTRs per KID (like the anti-replay window of IPsec, RFC 4303
 * §3.4.3). Only frames that passed authentication may be accepted into it: otherwise a forged
 * frame with a huge CTR would push every genuine frame out of the window.
 */
export class ReplayWindow {
  readonly size: number;
  readonly #mask: bigint;
  readonly #windows = new Map<bigint, WindowState>();

  constructor(size: number = REPLAY_WINDOW_SIZE) {
    if (!Number.isSafeInteger(size) || size < 1 || size > 4096) {
      throw new TypeError('size must be an integer in [1, 4096]');
    }
    this.size = size;
    this.#mask = (1n << BigInt(size)) - 1n;
  }

  /** What `accept` would answer, without recording anything (to skip decrypting a replay). */
  check(kid: bigint, ctr: bigint): ReplayVerdict {
    const state = this.#windows.get(kid);
    if (state === undefined || ctr > state.highest) {
      return 'fresh';
    }
    const age = state.highest - ctr;
    if (age >= BigInt(this.size)) {
      return 'too-old';
    }
    return (state.seen >> age) & 1n ? 'replay' : 'fresh';
  }

  /** Records an authenticated CTR; `fresh` means it had not been seen and is now recorded. */
  accept(kid: bigint, ctr: bigint): ReplayVerdict {
    const state = this.#windows.get(kid);
    if (state === undefined) {
      this.#windows.set(kid, { highest: ctr, seen: 1n });
      return 'fresh';
    }
    if (ctr > state.highest) {
      const shift = ctr - state.highest;
      state.seen = shift >= BigInt(this.size) ? 1n : ((state.seen << shift) | 1n) & this.#mask;
      state.highest = ctr;
      return 'fresh';
    }
    const verdict = this.check(kid, ctr);
    if (verdict === 'fresh') {
      state.seen |= 1n << (state.highest - ctr);
    }
    return verdict;
  }

  /** Drops the state of a KID whose key was removed. */
  forget(kid: bigint): void {
    this.#windows.delete(kid);
  }

  get kidCount(): number {
    return this.#windows.size;
  }
}
