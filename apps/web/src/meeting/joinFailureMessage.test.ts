import { describe, expect, it } from 'vitest';
import { joinFailureMessage } from './joinFailureMessage.ts';

describe('joinFailureMessage', () => {
  it('says what went wrong with the token, depending on the way in', () => {
    expect(joinFailureMessage({ kind: 'token', reason: 'invalid-payload' }, 'open')).toBe(
      'errors.invalidName',
    );
    expect(joinFailureMessage({ kind: 'token', reason: 'unauthorized' }, 'host')).toBe('errors.signInFirst');
    expect(joinFailureMessage({ kind: 'token', reason: 'rate-limited' }, 'invite')).toBe(
      'errors.tooManyAttempts',
    );
    expect(joinFailureMessage({ kind: 'token', reason: 'rate-limited' }, 'open')).toBe('errors.rateLimited');
  });

  it('makes an unknown meeting and a forbidden one look the same', () => {
    expect(joinFailureMessage({ kind: 'refused', reason: 'forbidden' }, 'open')).toBe('errors.notFound');
    expect(joinFailureMessage({ kind: 'refused', reason: 'room-not-found' }, 'open')).toBe('errors.notFound');
    expect(joinFailureMessage({ kind: 'refused', reason: 'removed' }, 'invite')).toBe('errors.removed');
    expect(joinFailureMessage({ kind: 'refused', reason: 'invite-invalid' }, 'invite')).toBe(
      'errors.inviteInvalid',
    );
  });

  it('names a browser without end-to-end encryption', () => {
    expect(joinFailureMessage({ kind: 'e2ee-unavailable' }, 'open')).toBe('errors.e2eeUnavailable');
  });
});
