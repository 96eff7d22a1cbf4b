export const tokenErrorReasons = ['missing', 'malformed', 'expired', 'not-yet-valid', 'invalid'] as const;
export type TokenErrorReason = (typeof tokenErrorReasons)[number];

/** A token was refused. `reason` is safe to show; `cause` is for logs only. */
export class TokenError extends Error {
  readonly reason: TokenErrorReason;

  constructor(reason: TokenErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
    this.reason = reason;
  }
}
