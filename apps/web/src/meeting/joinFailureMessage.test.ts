import { describe, expect, it } from 'vitest';
import { joinFailureField, joinFailureMessage } from './joinFailureMessage.ts';

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

  it('says a malformed passcode is about the passcode, not the name', () => {
    const malformed = { kind: 'token', reason: 'invalid-passcode' } as const;
    expect(joinFailureMessage(malformed, 'invite')).toBe('errors.malformedPasscode');
    expect(joinFailureField(malformed, 'invite')).toBe('passcode');
    const name = { kind: 'token', reason: 'invalid-name' } as const;
    expect(joinFailureMessage(name, 'invite')).toBe('errors.invalidName');
    expect(joinFailureField(name, 'invite')).toBe('displayName');
  });

  it('puts passcode refusals on the passcode field', () => {
    for (const reason of ['wrong-passcode', 'passcode-required'] as const) {
      expect(joinFailureField({ kind: 'token', reason }, 'invite')).toBe('passcode');
    }
    expect(joinFailureMessage({ kind: 'token', reason: 'wrong-passcode' }, 'invite')).toBe(
      'errors.wrongPasscode',
    );
  });

  it('does not blame a field it cannot name', () => {
    // An invite's request has two fields: a refusal that names neither is the request's.
    const unnamed = { kind: 'token', reason: 'invalid-payload' } as const;
    expect(joinFailureField(unnamed, 'invite')).toBeNull();
    expect(joinFailureMessage(unnamed, 'invite')).toBe('errors.invalidRequest');
    expect(joinFailureField({ kind: 'token', reason: 'network' }, 'invite')).toBeNull();
    expect(joinFailureField({ kind: 'refused', reason: 'removed' }, 'invite')).toBeNull();
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
