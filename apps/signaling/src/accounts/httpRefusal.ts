import type { Response } from 'express';
import type { ErrorBody } from '@confidentiel/protocol';
import type { AccountError, AccountRefusal } from './AccountError.ts';

/** The HTTP status of each account refusal. */
export function statusOf(reason: AccountRefusal): number {
  switch (reason) {
    case 'invalid-payload':
      return 400;
    case 'unauthorized':
    case 'invalid-credentials':
      return 401;
    case 'forbidden':
    case 'csrf':
      return 403;
    case 'not-found':
    case 'invite-invalid':
      return 404;
    case 'conflict':
      return 409;
    case 'locked-out':
    case 'rate-limited':
      return 429;
    case 'busy':
      return 503;
    default: {
      const unreachable: never = reason;
      throw new TypeError(`no status for ${String(unreachable)}`);
    }
  }
}

/** Answers `{reason, message}` with the refusal's status (and Retry-After when it has one). */
export function sendRefusal(res: Response, error: AccountError): void {
  if (error.retryAfterMs !== undefined) {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  }
  const body: ErrorBody = error.toBody();
  res.status(statusOf(error.reason)).json(body);
}
