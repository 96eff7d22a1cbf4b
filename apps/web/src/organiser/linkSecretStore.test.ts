import { describe, expect, it } from 'vitest';
import {
  linkSecretKey,
  loadLinkSecret,
  makeLinkSecret,
  saveLinkSecret,
  type SecretStorage,
} from './linkSecretStore.ts';

const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';
let counter = 0;
/** The page's memory outlives a test: each test that saves uses its own meeting. */
function freshMeetingId(): string {
  counter += 1;
  return `meeting-${counter}`.padEnd(22, '0');
}

function memoryStorage(): SecretStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
  };
}

describe('link secret store', () => {
  it('keeps a secret per meeting under confidentiel.linkSecret.<meetingId>', () => {
    const storage = memoryStorage();
    const meetingId = freshMeetingId();
    const secret = makeLinkSecret();
    expect(saveLinkSecret(meetingId, secret, storage)).toBe(true);
    expect(storage.items.get(`confidentiel.linkSecret.${meetingId}`)).toBe(secret);
    expect(linkSecretKey(MEETING_ID)).toBe(`confidentiel.linkSecret.${MEETING_ID}`);
    expect(loadLinkSecret(meetingId, storage)).toBe(secret);
    expect(loadLinkSecret('ZzZzZzZzZzZzZzZzZzZzZz', storage)).toBe(null);
  });

  it('reads a secret saved by another page of this device', () => {
    const storage = memoryStorage();
    const secret = makeLinkSecret();
    storage.items.set(linkSecretKey(MEETING_ID), secret);
    expect(loadLinkSecret(MEETING_ID, storage)).toBe(secret);
  });

  it('makes a different secret each time', () => {
    expect(makeLinkSecret()).not.toBe(makeLinkSecret());
  });

  it('ignores a stored value that is not a usable secret', () => {
    const storage = memoryStorage();
    storage.items.set(linkSecretKey(MEETING_ID), 'short');
    expect(loadLinkSecret(MEETING_ID, storage)).toBe(null);
  });

  it('answers false when storage is off or throws, and still remembers the secret for this page', () => {
    const throwing: SecretStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const meetingId = freshMeetingId();
    expect(loadLinkSecret(meetingId, throwing)).toBe(null);
    const secret = makeLinkSecret();
    expect(saveLinkSecret(meetingId, secret, throwing)).toBe(false);
    expect(loadLinkSecret(meetingId, throwing)).toBe(secret);
    expect(loadLinkSecret(meetingId, null)).toBe(secret);
    const other = freshMeetingId();
    expect(saveLinkSecret(other, secret, null)).toBe(false);
    expect(loadLinkSecret(other, null)).toBe(secret);
  });

  it('refuses a malformed meeting id or secret with a TypeError', () => {
    const storage = memoryStorage();
    expect(() => saveLinkSecret('../x', makeLinkSecret(), storage)).toThrow(TypeError);
    expect(() => saveLinkSecret(MEETING_ID, 'not a secret', storage)).toThrow(TypeError);
    expect(loadLinkSecret('../x', storage)).toBe(null);
    expect(storage.items.size).toBe(0);
  });
});
