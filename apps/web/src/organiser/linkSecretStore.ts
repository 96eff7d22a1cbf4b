import { isLinkSecret, newLinkSecret } from '@confidentiel/e2ee';
import { defaultSecretStorage, meetingSecretStore, type SecretStorage } from './meetingSecretStore.ts';

/**
 * Each meeting's E2EE link secret, kept by the organiser's browser that made
 * it. It must never reach the server: it travels only in invite links'
 * fragments (`#k=...`), and the host's meeting page reads it from here.
 */
const store = meetingSecretStore({
  prefix: 'confidentiel.linkSecret.',
  isSecret: isLinkSecret,
  what: 'link secret',
});

export type { SecretStorage };

export function linkSecretKey(meetingId: string): string {
  return store.key(meetingId);
}

/** The meeting's link secret on this device, or null (not made here, or storage off since before this page). */
export function loadLinkSecret(
  meetingId: string,
  storage: SecretStorage | null = defaultSecretStorage(),
): string | null {
  return store.load(meetingId, storage);
}

/**
 * Keeps the meeting's link secret on this device. Answers false when the
 * browser would not store it: the secret then lasts only as long as the page.
 * Replaces the secret the meeting had here, if any.
 */
export function saveLinkSecret(
  meetingId: string,
  secret: string,
  storage: SecretStorage | null = defaultSecretStorage(),
): boolean {
  return store.save(meetingId, secret, storage);
}

/** A fresh secret for a meeting; made by the browser, never by the server. */
export function makeLinkSecret(): string {
  return newLinkSecret();
}
