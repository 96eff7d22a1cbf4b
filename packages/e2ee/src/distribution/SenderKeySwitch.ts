import type { Bytes } from './bytes.ts';

/** One of our sender keys: its epoch and its bytes (owned, and wiped, by the switch). */
export interface SenderEpochKey {
  readonly epoch: number;
  readonly key: Bytes;
}

export interface SenderKeySwitchOptions {
  /** Milliseconds, for the deadline. */
  readonly now: () => number;
  /** How long a new key waits for acknowledgements before it is switched to anyway. */
  readonly ackTimeoutMs: number;
  /** Runs the deadline's check later, in the owner's order of operations. */
  readonly runLater: (check: () => void) => void;
  /** Frames are sent under this key from now on (the bytes are a copy owned by the listener). */
  readonly onSwitch: (key: SenderEpochKey) => void;
}

/**
 * Our pairwise sender keys: the newest one made (`latest`) and the one frames are sent under
 * (`sending`). A new key is switched to once every member it was sent to acknowledged it, or at
 * its deadline; a later key never postpones a deadline already set (a leaver's key must not live
 * on). Keys it replaces are wiped, and all of them on `close()`.
 */
export class SenderKeySwitch {
  readonly #options: SenderKeySwitchOptions;
  #latest: SenderEpochKey | undefined;
  #sending: SenderEpochKey | undefined;
  /** Members that have not acknowledged `#latest` yet. */
  readonly #awaiting = new Set<string>();
  #deadline: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: SenderKeySwitchOptions) {
    this.#options = options;
  }

  /** The newest key we made. */
  get latest(): SenderEpochKey | undefined {
    return this.#latest;
  }

  /** The key last switched to (may be `latest`). */
  get sending(): SenderEpochKey | undefined {
    return this.#sending;
  }

  get pendingAcks(): number {
    return this.#awaiting.size;
  }

  /** Makes `next` the newest key, awaited from `recipients`; `check()` once it is sent to them. */
  begin(next: SenderEpochKey, recipients: Iterable<string>): void {
    const previous = this.#latest;
    if (previous !== undefined && previous !== this.#sending) {
      previous.key.fill(0);
    }
    this.#latest = next;
    this.#awaiting.clear();
    for (const memberId of recipients) {
      this.#awaiting.add(memberId);
    }
    const deadline = this.#options.now() + this.#options.ackTimeoutMs;
    this.#deadline = this.#deadline === undefined ? deadline : Math.min(this.#deadline, deadline);
  }

  /** `memberId` acknowledged `latest`. */
  acknowledged(memberId: string): void {
    if (this.#awaiting.delete(memberId)) {
      this.check();
    }
  }

  /** `memberId` left: its acknowledgement is no longer awaited. */
  forget(memberId: string): void {
    this.#awaiting.delete(memberId);
  }

  /** Switches to `latest` if nobody is awaited or its deadline passed; else checks again then. */
  check(): void {
    const latest = this.#latest;
    if (latest === undefined || this.#closed) {
      return;
    }
    const now = this.#options.now();
    if (this.#awaiting.size > 0 && this.#deadline !== undefined && now < this.#deadline) {
      this.#schedule(this.#deadline - now);
      return;
    }
    this.#awaiting.clear();
    this.#deadline = undefined;
    this.#clearTimer();
    if (this.#sending === latest) {
      return;
    }
    const previous = this.#sending;
    this.#sending = latest;
    previous?.key.fill(0);
    this.#options.onSwitch({ epoch: latest.epoch, key: Uint8Array.from(latest.key) });
  }

  /** Stops the timer and wipes both keys. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
    this.#latest?.key.fill(0);
    this.#sending?.key.fill(0);
    this.#latest = undefined;
    this.#sending = undefined;
    this.#awaiting.clear();
  }

  #schedule(delayMs: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#options.runLater(() => this.check());
      },
      Math.max(0, delayMs),
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
