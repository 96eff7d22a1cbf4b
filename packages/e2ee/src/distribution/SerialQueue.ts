import { E2eeError } from '../E2eeError.ts';

/**
 * Runs operations one at a time, in call order (a key manager follows signaling's events in the
 * order they arrive). Once its owner is closed, every operation not yet started fails `closed`.
 */
export class SerialQueue {
  readonly #isClosed: () => boolean;
  readonly #owner: string;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(owner: string, isClosed: () => boolean) {
    this.#owner = owner;
    this.#isClosed = isClosed;
  }

  run<T>(operation: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#isClosed()) {
        throw E2eeError.closed(this.#owner);
      }
      return operation();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
