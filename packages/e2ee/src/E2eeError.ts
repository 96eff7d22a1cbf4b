export const e2eeErrorReasons = [
  /** Bytes that do not parse: a truncated SFrame header, a frame shorter than its codec prefix. */
  'malformed',
  /** A codec whose frames cannot be protected safely (H.264 without NAL-aware handling, unknown codecs). */
  'unsupported-codec',
  /** A frame too short to hold the clear prefix its codec needs (not a valid frame of that codec). */
  'frame-too-short',
  /** The sender's CTR would pass 2^53 - 1: the sender must switch to a new key (new KID). */
  'counter-exhausted',
  /** A cipher suite id this library does not implement. */
  'unsupported-suite',
  /** A base key of the wrong kind or length. */
  'invalid-key',
  /** A KID installed a second time with a different key: KIDs are never reused. */
  'kid-conflict',
  /** The object was used after `close()`. */
  'closed',
  /** An unexpected failure underneath (WebCrypto missing or failing); see `cause`. */
  'internal',
] as const;
export type E2eeErrorReason = (typeof e2eeErrorReasons)[number];

/**
 * The one error class of this package. `reason` is safe to count and log; `cause` carries the
 * underlying error (for example a WebCrypto `OperationError`) for debugging only.
 */
export class E2eeError extends Error {
  readonly reason: E2eeErrorReason;

  constructor(reason: E2eeErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2eeError';
    this.reason = reason;
  }

  static malformed(message: string): E2eeError {
    return new E2eeError('malformed', message);
  }

  static unsupportedCodec(codec: string): E2eeError {
    return new E2eeError(
      'unsupported-codec',
      `codec ${JSON.stringify(codec)} cannot be end-to-end encrypted`,
    );
  }

  static closed(what: string): E2eeError {
    return new E2eeError('closed', `${what} is closed`);
  }
}
