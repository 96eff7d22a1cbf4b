import { describe, expect, it } from 'vitest';
import { errorMessageKey } from './errorMessages.ts';

describe('errorMessageKey', () => {
  it('shows an unknown and a forbidden meeting the same way', () => {
    expect(errorMessageKey('room-not-found')).toBe('errors.notFound');
    expect(errorMessageKey('forbidden')).toBe('errors.notFound');
    expect(errorMessageKey('unauthorized')).toBe('errors.notFound');
  });

  it('asks to try again shortly when the server is busy (a passcode check refused with 503)', () => {
    expect(errorMessageKey('busy')).toBe('errors.busy');
  });

  it('falls back to a generic message', () => {
    expect(errorMessageKey('internal')).toBe('errors.generic');
    expect(errorMessageKey('something-new')).toBe('errors.generic');
  });
});
