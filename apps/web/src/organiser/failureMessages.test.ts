import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/meetingsApi.ts';
import { failureMessageKey, isChallengeLost, isSessionLost } from './failureMessages.ts';

const refusal = (reason: ConstructorParameters<typeof ApiError>[0]): ApiError => new ApiError(reason, 'x');

describe('failure messages', () => {
  it('says which of password or code was wrong, and that an account is locked', () => {
    expect(failureMessageKey(refusal('invalid-credentials'), 'password')).toBe(
      'organiser.errors.invalidCredentials',
    );
    expect(failureMessageKey(refusal('invalid-credentials'), 'one-time-code')).toBe(
      'organiser.errors.invalidCode',
    );
    expect(failureMessageKey(refusal('locked-out'), 'password')).toBe('organiser.errors.lockedOut');
    expect(failureMessageKey(refusal('locked-out'), 'one-time-code')).toBe('organiser.errors.lockedOut');
    expect(failureMessageKey(refusal('rate-limited'), 'password')).toBe('organiser.errors.rateLimited');
    expect(failureMessageKey(refusal('busy'), 'password')).toBe('organiser.errors.busy');
  });

  it('sends the code step back to the start when its challenge is gone', () => {
    expect(isChallengeLost(refusal('unauthorized'))).toBe(true);
    expect(isChallengeLost(refusal('token-expired'))).toBe(true);
    expect(isChallengeLost(refusal('invalid-credentials'))).toBe(false);
    expect(failureMessageKey(refusal('token-expired'), 'one-time-code')).toBe(
      'organiser.errors.challengeExpired',
    );
  });

  it('treats a 401 and a CSRF refusal on organiser pages as a lost session', () => {
    expect(isSessionLost(refusal('unauthorized'))).toBe(true);
    expect(isSessionLost(refusal('csrf'))).toBe(true);
    expect(isSessionLost(refusal('forbidden'))).toBe(false);
    expect(isSessionLost(new Error('boom'))).toBe(false);
    expect(failureMessageKey(refusal('csrf'), 'organiser')).toBe('organiser.errors.sessionExpired');
  });

  it('reads an unknown, used or expired enrolment token the same way', () => {
    for (const reason of ['unauthorized', 'not-found', 'token-expired', 'invite-invalid'] as const) {
      expect(failureMessageKey(refusal(reason), 'enrolment-start')).toBe('organiser.errors.enrolmentInvalid');
    }
    expect(failureMessageKey(refusal('invalid-credentials'), 'enrolment-complete')).toBe(
      'organiser.enrol.codeRejected',
    );
    expect(failureMessageKey(refusal('network'), 'enrolment-start')).toBe('organiser.errors.network');
  });

  it('maps organiser refusals to plain messages, and anything unknown to the generic one', () => {
    expect(failureMessageKey(refusal('room-not-found'), 'organiser')).toBe(
      'organiser.errors.meetingNotFound',
    );
    expect(failureMessageKey(refusal('conflict'), 'organiser')).toBe('organiser.errors.conflict');
    expect(failureMessageKey(refusal('conflict'), 'account-invite')).toBe('organiser.errors.accountExists');
    expect(failureMessageKey(refusal('invalid-payload'), 'organiser')).toBe(
      'organiser.errors.invalidPayload',
    );
    expect(failureMessageKey(new Error('boom'), 'organiser')).toBe('organiser.errors.generic');
  });

  it('names the field the server refused, when it is one of the form', () => {
    const field = (name: string): ApiError => new ApiError('invalid-payload', 'x', { field: name });
    expect(failureMessageKey(field('title'), 'organiser')).toBe('organiser.errors.invalidField.title');
    expect(failureMessageKey(field('label'), 'organiser')).toBe('organiser.errors.invalidField.label');
    expect(failureMessageKey(field('expiresAt'), 'organiser')).toBe(
      'organiser.errors.invalidField.expiresAt',
    );
    expect(failureMessageKey(field('displayName'), 'account-invite')).toBe(
      'organiser.errors.invalidField.displayName',
    );
    // A field this page does not know, or none: the form as a whole.
    expect(failureMessageKey(field('constructor'), 'organiser')).toBe('organiser.errors.invalidPayload');
    expect(failureMessageKey(refusal('invalid-payload'), 'organiser')).toBe(
      'organiser.errors.invalidPayload',
    );
  });
});
