import { describe, expect, it } from 'vitest';
import { refusalReasons } from '@confidentiel/protocol';
import { resources } from '../i18n/index.ts';
import { clientErrorReasons } from '../media/MeetingError.ts';
import { errorMessageKey } from './errorMessages.ts';

function text(language: 'fr' | 'en', key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node as Record<string, unknown> | undefined)?.[part],
      resources[language].translation,
    );
}

describe('errorMessageKey', () => {
  it('shows an unknown and a forbidden meeting the same way', () => {
    expect(errorMessageKey('room-not-found')).toBe('errors.notFound');
    expect(errorMessageKey('forbidden')).toBe('errors.notFound');
    expect(errorMessageKey('unauthorized')).toBe('errors.notFound');
  });

  it('asks to try again shortly when the server is busy (a passcode check refused with 503)', () => {
    expect(errorMessageKey('busy')).toBe('errors.busy');
  });

  it('names the field of a refused join request', () => {
    expect(errorMessageKey('invalid-passcode')).toBe('errors.malformedPasscode');
    expect(errorMessageKey('invalid-name')).toBe('errors.invalidName');
    expect(errorMessageKey('invalid-payload')).toBe('errors.invalidRequest');
  });

  it('falls back to a generic message', () => {
    expect(errorMessageKey('internal')).toBe('errors.generic');
    expect(errorMessageKey('something-new')).toBe('errors.generic');
  });

  it('has words in French and English for every reason a server or the client can give', () => {
    const reasons = [...refusalReasons, ...clientErrorReasons, 'network', 'bad-response', 'invalid-name'];
    for (const reason of reasons) {
      const key = errorMessageKey(reason);
      for (const language of ['fr', 'en'] as const) {
        const words = text(language, key);
        expect(typeof words, `${language}: ${reason} -> ${key}`).toBe('string');
        // Never the reason itself (a developer's word: "room-not-found") as the message.
        if (language === 'fr' || reason.includes('-')) {
          expect(words, `${language}: ${reason}`).not.toContain(reason);
        }
      }
    }
  });
});
