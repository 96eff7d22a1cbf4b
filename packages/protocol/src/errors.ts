import { z } from 'zod';

/** Every reason a request or a connection can be refused for. */
export const refusalReasons = [
  'invalid-payload',
  'unknown-event',
  'unauthorized',
  'token-expired',
  'protocol-mismatch',
  'room-not-found',
  'not-joined',
  'already-joined',
  'forbidden',
  'not-found',
  'rate-limited',
  'too-large',
  'media-error',
  'sfu-unavailable',
  'internal',
  // The server is at capacity (HTTP 503 with Retry-After): the same request may succeed shortly.
  'busy',
  // Accounts (HTTP).
  'invalid-credentials',
  'locked-out',
  'csrf',
  'conflict',
  // Invites and the lobby.
  'invite-invalid',
  'passcode-required',
  'wrong-passcode',
  'room-locked',
  'removed',
  'not-admitted',
] as const;

export const refusalReasonSchema = z.enum(refusalReasons);
export type RefusalReason = z.infer<typeof refusalReasonSchema>;

export const errorBodySchema = z.strictObject({
  reason: refusalReasonSchema,
  /** For logs and developers: a client shows its own words for `reason` (and `field`), never this. */
  message: z.string().max(500),
  /**
   * The request field an `invalid-payload` refusal is about (its top-level
   * name: `displayName`, `passcode`...), so the page can say which one.
   */
  field: z.string().max(64).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** An error that carries a refusal reason across a process boundary. */
export class ProtocolError extends Error {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.reason = reason;
  }

  static invalidPayload(message: string): ProtocolError {
    return new ProtocolError('invalid-payload', message);
  }

  static fromBody(body: ErrorBody): ProtocolError {
    return new ProtocolError(body.reason, body.message);
  }

  toBody(): ErrorBody {
    return { reason: this.reason, message: this.message.slice(0, 500) };
  }
}
