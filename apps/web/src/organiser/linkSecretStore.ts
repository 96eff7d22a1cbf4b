import { isLinkSecret, newLinkSecret } from '@confidentiel/e2ee';
import { meetingIdSchema } from '@confidentiel/protocol';

/**
 * Each meeting's E2EE link secret, kept by the organiser's browser that made
 * it. It must never reach the server: it travels only in invite links'
 * fragments (`#k=...`), and the host's meeting page reads it from here.
 */

const KEY_PREFIX = 'confidentiel.linkSecret.';

/**
 * Secrets saved during this page's life, whether or not the storage took
 * them: a browser that refuses storage still gets its links right until the
 * page closes.
 */
const pageMemory = new Map<string, string>();

/** The subset of `Storage` used here, so tests can pass their own. */
export type SecretStorage = Pick<Storage, 'getItem' | 'setItem'>;

function defaultStorage(): SecretStorage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage disabled (some private modes, sandboxed frames).
    return null;
  }
}

export function linkSecretKey(meetingId: string): string {
  return `${KEY_PREFIX}${meetingId}`;
}

/** The meeting's link secret on this device, or null (not made here, or storage off since before this page). */
export function loadLinkSecret(
  meetingId: string,
  storage: SecretStorage | null = defaultStorage(),
): string | null {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    return null;
  }
  let value: string | null = null;
  try {
    value = storage?.getItem(linkSecretKey(meetingId)) ?? null;
  } catch {
    // Storage refused: the page's memory may still hold it.
  }
  if (isLinkSecret(value)) {
    return value;
  }
  return pageMemory.get(meetingId) ?? null;
}

/**
 * Keeps the meeting's link secret on this device. Answers false when the
 * browser would not store it: the secret then lasts only as long as the page.
 * Replaces the secret the meeting had here, if any.
 */
export function saveLinkSecret(
  meetingId: string,
  secret: string,
  storage: SecretStorage | null = defaultStorage(),
): boolean {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new TypeError('malformed meeting id');
  }
  if (!isLinkSecret(secret)) {
    // Not echoed: whatever it is, it may be a secret.
    throw new TypeError('not a link secret');
  }
  pageMemory.set(meetingId, secret);
  if (storage === null) {
    return false;
  }
  try {
    storage.setItem(linkSecretKey(meetingId), secret);
    return true;
  } catch {
    return false;
  }
}

/** A fresh secret for a meeting; made by the browser, never by the server. */
export function makeLinkSecret(): string {
  return newLinkSecret();
}
