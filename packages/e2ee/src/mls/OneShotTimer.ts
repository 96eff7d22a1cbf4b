/** One pending timeout at a time: arming again replaces it; `clear()` is idempotent. */
export class OneShotTimer {
  #handle: ReturnType<typeof setTimeout> | undefined;

  get armed(): boolean {
    return this.#handle !== undefined;
  }

  arm(delayMs: number, run: () => void): void {
    this.clear();
    this.#handle = setTimeout(
      () => {
        this.#handle = undefined;
        run();
      },
      Math.max(0, delayMs),
    );
  }

  clear(): void {
    if (this.#handle !== undefined) {
      clearTimeout(this.#handle);
      this.#handle = undefined;
    }
  }
}
