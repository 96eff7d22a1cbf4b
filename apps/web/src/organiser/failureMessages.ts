import type { ParseKeys } from 'i18next';
import { ApiError } from '../api/meetingsApi.ts';

/** Where a failure happened: the same reason reads differently on each step. */
export type FailureStep =
  'password' | 'one-time-code' | 'enrolment-start' | 'enrolment-complete' | 'account-invite' | 'organiser';

function reasonOf(error: unknown): string {
  return error instanceof ApiError ? error.reason : 'internal';
}

/**
 * The server no longer knows the session, or refused its CSRF token (another
 * tab signed out and in again): the organiser must sign in again.
 */
export function isSessionLost(error: unknown): boolean {
  const reason = reasonOf(error);
  return reason === 'unauthorized' || reason === 'csrf';
}

/** The one-time code step must start over: the password step's challenge is gone. */
export function isChallengeLost(error: unknown): boolean {
  const reason = reasonOf(error);
  return reason === 'unauthorized' || reason === 'token-expired' || reason === 'not-found';
}

/** The translation key of the message for a failed request on a given step. */
export function failureMessageKey(error: unknown, step: FailureStep): ParseKeys {
  const reason = reasonOf(error);
  // Reasons that read the same everywhere.
  switch (reason) {
    case 'network':
      return 'organiser.errors.network';
    case 'rate-limited':
      return 'organiser.errors.rateLimited';
    case 'busy':
      return 'organiser.errors.busy';
    case 'locked-out':
      return 'organiser.errors.lockedOut';
    default:
      break;
  }
  switch (step) {
    case 'password':
      return reason === 'invalid-credentials' || reason === 'invalid-payload'
        ? 'organiser.errors.invalidCredentials'
        : 'organiser.errors.generic';
    case 'one-time-code':
      if (reason === 'invalid-credentials' || reason === 'invalid-payload') {
        return 'organiser.errors.invalidCode';
      }
      return isChallengeLost(error) ? 'organiser.errors.challengeExpired' : 'organiser.errors.generic';
    case 'enrolment-start':
      // An unknown, used or expired token all read the same.
      return reason === 'internal' || reason === 'bad-response'
        ? 'organiser.errors.generic'
        : 'organiser.errors.enrolmentInvalid';
    case 'enrolment-complete':
      if (reason === 'invalid-credentials' || reason === 'invalid-payload') {
        return 'organiser.enrol.codeRejected';
      }
      return reason === 'unauthorized' ||
        reason === 'token-expired' ||
        reason === 'not-found' ||
        reason === 'invite-invalid'
        ? 'organiser.errors.enrolmentInvalid'
        : 'organiser.errors.generic';
    case 'account-invite':
      if (reason === 'conflict') {
        return 'organiser.errors.accountExists';
      }
      return invalidFieldMessage(error) ?? organiserMessage(reason);
    case 'organiser':
      return invalidFieldMessage(error) ?? organiserMessage(reason);
    default: {
      const unreachable: never = step;
      return unreachable;
    }
  }
}

/** The form fields a refusal may name (the server's `field`), each with its own words. */
const FIELD_MESSAGES: Readonly<Record<string, ParseKeys>> = {
  title: 'organiser.errors.invalidField.title',
  label: 'organiser.errors.invalidField.label',
  startsAt: 'organiser.errors.invalidField.startsAt',
  expiresAt: 'organiser.errors.invalidField.expiresAt',
  displayName: 'organiser.errors.invalidField.displayName',
};

/** A refused form says which field, when the server named one this page knows. */
function invalidFieldMessage(error: unknown): ParseKeys | null {
  if (!(error instanceof ApiError) || error.reason !== 'invalid-payload' || error.field === null) {
    return null;
  }
  return Object.hasOwn(FIELD_MESSAGES, error.field) ? (FIELD_MESSAGES[error.field] ?? null) : null;
}

function organiserMessage(reason: string): ParseKeys {
  switch (reason) {
    case 'unauthorized':
    case 'csrf':
      return 'organiser.errors.sessionExpired';
    case 'room-not-found':
    case 'not-found':
      return 'organiser.errors.meetingNotFound';
    case 'forbidden':
      return 'organiser.errors.forbidden';
    case 'conflict':
    case 'invite-invalid':
      // A cancelled meeting, an invite already gone: the page is behind the server.
      return 'organiser.errors.conflict';
    case 'invalid-payload':
      return 'organiser.errors.invalidPayload';
    default:
      return 'organiser.errors.generic';
  }
}
