/** Why an incoming frame was dropped. */
export const decryptFailureReasons = [
  /** The negotiated codec is not one this package protects. */
  'unsupported-codec',
  /** Too short for its clear prefix, its SFrame header or its tag. */
  'malformed',
  /** No key for the frame's KID (not received yet, removed, or past its grace window). */
  'missing-key',
  /** A CTR already accepted under this KID. */
  'replay',
  /** A CTR behind the replay window. */
  'too-old',
  /** Authentication failed: wrong key, or any byte changed (clear prefix included). */
  'bad-tag',
  /** An unexpected error (a bug or a missing WebCrypto): dropped like the others. */
  'internal',
] as const;
export type DecryptFailureReason = (typeof decryptFailureReasons)[number];

/** Counters of one transform: frames protected, frames opened, and frames dropped by reason. */
export class FrameStats {
  encrypted = 0;
  decrypted = 0;
  readonly dropped: Record<DecryptFailureReason, number> = FrameStats.#zeros();

  static #zeros(): Record<DecryptFailureReason, number> {
    return Object.fromEntries(decryptFailureReasons.map((reason) => [reason, 0])) as Record<
      DecryptFailureReason,
      number
    >;
  }

  get droppedTotal(): number {
    return decryptFailureReasons.reduce((sum, reason) => sum + this.dropped[reason], 0);
  }

  reset(): void {
    this.encrypted = 0;
    this.decrypted = 0;
    Object.assign(this.dropped, FrameStats.#zeros());
  }
}
