import { ProtocolError, type RefusalReason } from '@confidentiel/protocol';

/** The refusals an account operation can end in (a subset of the protocol's). */
export type AccountRefusal = Extract<
  RefusalReason,
  | 'invalid-payload'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid-credentials'
  | 'locked-out'
  | 'rate-limited'
  | 'busy'
  | 'csrf'
  | 'conflict'
  | 'invite-invalid'
  | 'not-found'
>;

/**
 * A refusal of an account operation, safe to show as is: the message never
 * tells an unknown email from a wrong password, nor a used enrolment link from
 * an expired one.
 */
export class AccountError extends ProtocolError {
  declare readonly reason: AccountRefusal;
  /** For `locked-out`, `rate-limited` and `busy`: when trying again makes sense. */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: AccountRefusal,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(reason, message, { cause: options.cause });
    this.name = 'AccountError';
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Unknown email, wrong password or disabled account: one answer for all three. */
  static invalidCredentials(): AccountError {
    return new AccountError('invalid-credentials', 'wrong email or password');
  }

  static wrongCode(): AccountError {
    return new AccountError('invalid-credentials', 'wrong one-time code');
  }

  /** The password step must be done again (challenge expired, used, or too many wrong codes). */
  static challengeExpired(): AccountError {
    return new AccountError('unauthorized', 'sign-in expired, enter the password again');
  }

  static lockedOut(retryAfterMs: number): AccountError {
    return new AccountError('locked-out', 'too many failed sign-ins, try again later', { retryAfterMs });
  }

  static rateLimited(retryAfterMs: number): AccountError {
    return new AccountError('rate-limited', 'too many requests, try again later', { retryAfterMs });
  }

  /** No capacity to hash the password now (see crypto/HashGate.ts); nothing was checked. */
  static busy(retryAfterMs: number, cause?: unknown): AccountError {
    return new AccountError('busy', 'the server is busy, try again in a moment', { cause, retryAfterMs });
  }

  static invitationInvalid(): AccountError {
    return new AccountError('invite-invalid', 'this enrolment link is invalid, used or expired');
  }

  static conflict(message: string): AccountError {
    return new AccountError('conflict', message);
  }

  static noSuchAccount(): AccountError {
    return new AccountError('not-found', 'no such account');
  }
}
