import { DEFAULT_CIPHER_SUITE, cipherSuiteParams, type CipherSuiteId } from './CipherSuite.ts';
import { E2eeError } from './E2eeError.ts';
import { deriveKeyMaterial, type BaseKey, type KeyMaterial } from './KeySchedule.ts';

export interface SenderContextOptions {
  /** Cipher suite of every key of this context. Default: AES_128_GCM_SHA256_128. */
  readonly suite?: CipherSuiteId;
  /**
   * First CTR to use (default 0). Only for tests of counter exhaustion, or to continue a context
   * whose last CTR is known: a CTR is never used twice under one KID.
   */
  readonly initialCounter?: number;
}

/** Largest CTR a context hands out: CTRs are JavaScript numbers, exact up to 2^53 - 1. */
export const MAX_SENDER_COUNTER = Number.MAX_SAFE_INTEGER;

/**
 * The sending side of one outgoing track: its current key (KID and derived material) and its
 * CTR. CTR only grows, across key switches too, and is taken synchronously before any `await`, so
 * concurrent frames never share one. Create one context per track and epoch, and never two for the
 * same KID: a second one would count from the same CTR again.
 */
export class SenderContext {
  readonly #suiteId: CipherSuiteId;
  #key: KeyMaterial;
  #nextCounter: number;
  #closed = false;
  /** Key switches run one after the other, so the last one asked for is the one that stays. */
  #switching: Promise<void> = Promise.resolve();

  private constructor(suiteId: CipherSuiteId, key: KeyMaterial, initialCounter: number) {
    this.#suiteId = suiteId;
    this.#key = key;
    this.#nextCounter = initialCounter;
  }

  /** Derives the key of `kid` from `baseKey` (RFC 9605 §4.4.2) and starts at CTR 0. */
  static async create(
    kid: bigint,
    baseKey: BaseKey,
    options: SenderContextOptions = {},
  ): Promise<SenderContext> {
    const suiteId = options.suite ?? DEFAULT_CIPHER_SUITE;
    cipherSuiteParams(suiteId);
    const initialCounter = options.initialCounter ?? 0;
    if (!Number.isSafeInteger(initialCounter) || initialCounter < 0) {
      throw new TypeError('initialCounter must be a non-negative safe integer');
    }
    const key = await deriveKeyMaterial(baseKey, kid, suiteId);
    return new SenderContext(suiteId, key, initialCounter);
  }

  get kid(): bigint {
    return this.#key.kid;
  }

  get key(): KeyMaterial {
    return this.#key;
  }

  /** The CTR the next frame will use. */
  get nextCounter(): number {
    return this.#nextCounter;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Takes the key and CTR for one frame. Refuses (`counter-exhausted`) rather than wrap: the
   * owner must switch to a new KID long before 2^53 frames.
   */
  take(): { readonly key: KeyMaterial; readonly ctr: number } {
    if (this.#closed) {
      throw E2eeError.closed('SenderContext');
    }
    const ctr = this.#nextCounter;
    if (ctr > MAX_SENDER_COUNTER) {
      throw new E2eeError('counter-exhausted', `CTR of KID ${this.#key.kid} exhausted`);
    }
    this.#nextCounter = ctr + 1;
    return { key: this.#key, ctr };
  }

  /**
   * Switches to a new KID and base key (a new epoch). Frames taken before the switch completes
   * use the previous key. The CTR is not reset. Switching to the current KID is a `kid-conflict`:
   * one KID never carries two keys.
   */
  switchKey(kid: bigint, baseKey: BaseKey): Promise<void> {
    const run = this.#switching.then(async () => {
      if (this.#closed) {
        throw E2eeError.closed('SenderContext');
      }
      if (kid === this.#key.kid) {
        throw new E2eeError('kid-conflict', `KID ${kid} is already the current key`);
      }
      const key = await deriveKeyMaterial(baseKey, kid, this.#suiteId);
      if (this.#closed) {
        throw E2eeError.closed('SenderContext');
      }
      this.#key = key;
    });
    // A failed switch must not block the next one; the caller still sees its own failure.
    this.#switching = run.catch(() => undefined);
    return run;
  }

  /** Idempotent. Later `take()` and `switchKey()` calls fail with `closed`. */
  close(): void {
    this.#closed = true;
  }
}
