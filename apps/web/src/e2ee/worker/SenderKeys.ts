import { KeyId, SenderContext, type TrackKind } from '@confidentiel/e2ee';

interface Current {
  readonly epoch: number;
  readonly key: Uint8Array;
}

interface ContextEntry {
  readonly epoch: number;
  readonly context: Promise<SenderContext>;
}

/**
 * The worker's sending keys. One SenderContext per (track kind, epoch), shared by every send
 * transform of that kind: a camera producer closed and made again keeps counting CTR under the
 * same KID, so no (KID, CTR) pair is ever used twice. Epochs only move forward.
 */
export class SenderKeys {
  #current: Current | null = null;
  readonly #contexts = new Map<string, ContextEntry>();
  #closed = false;

  get epoch(): number | null {
    return this.#current?.epoch ?? null;
  }

  get hasKey(): boolean {
    return this.#current !== null;
  }

  /**
   * Installs the key of a new epoch. Returns false (and keeps the current key) for an epoch that
   * is not newer: an older epoch would bring back a key meant to be retired, and the same epoch
   * with another key would put two keys under one KID.
   */
  setKey(epoch: number, key: Uint8Array): boolean {
    if (this.#closed) {
      return false;
    }
    if (this.#current !== null && epoch <= this.#current.epoch) {
      return false;
    }
    this.#current = { epoch, key: Uint8Array.from(key) };
    return true;
  }

  /**
   * The context for one kind of track under the current epoch, or null before any key (the caller
   * drops the frame: fail closed). Made once per (kind, epoch); the promise is memoized, so frames
   * arriving while the key is derived share it.
   */
  contextFor(kind: TrackKind, senderIndex: number): Promise<SenderContext> | null {
    const current = this.#current;
    if (current === null || this.#closed) {
      return null;
    }
    const slot = `${senderIndex}:${kind}`;
    const existing = this.#contexts.get(slot);
    if (existing !== undefined && existing.epoch === current.epoch) {
      return existing.context;
    }
    const kid = KeyId.pack({ senderIndex, epoch: current.epoch, kind });
    const context = SenderContext.create(kid, current.key);
    this.#contexts.set(slot, { epoch: current.epoch, context });
    if (existing !== undefined) {
      // Frames already holding the old context finish with it; close() only stops new ones.
      void existing.context.then(
        (old) => old.close(),
        () => undefined,
      );
    }
    return context;
  }

  close(): void {
    this.#closed = true;
    this.#current?.key.fill(0);
    this.#current = null;
    for (const entry of this.#contexts.values()) {
      void entry.context.then(
        (context) => context.close(),
        () => undefined,
      );
    }
    this.#contexts.clear();
  }
}
