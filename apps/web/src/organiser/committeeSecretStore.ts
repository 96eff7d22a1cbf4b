import { isCommitteeSecret, newCommitteeSecret } from '@confidentiel/e2ee';
import { defaultSecretStorage, meetingSecretStore, type SecretStorage } from './meetingSecretStore.ts';

/**
 * Each committee meeting's committee secret (the key of its minutes and
 * recordings), kept by the organiser's browser: made there, handed sealed by
 * a host to the members let in, and kept here so that the organiser can read
 * the record later. It is never in a link and never reaches the server.
 */
const store = meetingSecretStore({
  prefix: 'confidentiel.committeeSecret.',
  isSecret: isCommitteeSecret,
  what: 'committee secret',
});

export function committeeSecretKey(meetingId: string): string {
  return store.key(meetingId);
}

export function loadCommitteeSecret(
  meetingId: string,
  storage: SecretStorage | null = defaultSecretStorage(),
): string | null {
  return store.load(meetingId, storage);
}

/** False when the browser would not store it (it then lasts as long as the page). */
export function saveCommitteeSecret(
  meetingId: string,
  secret: string,
  storage: SecretStorage | null = defaultSecretStorage(),
): boolean {
  return store.save(meetingId, secret, storage);
}

/**
 * The meeting's committee secret on this device, made and kept now if there
 * is none: the organiser's browser is where a committee's record key is born.
 */
export function ensureCommitteeSecret(
  meetingId: string,
  storage: SecretStorage | null = defaultSecretStorage(),
): string {
  const existing = store.load(meetingId, storage);
  if (existing !== null) {
    return existing;
  }
  const secret = newCommitteeSecret();
  store.save(meetingId, secret, storage);
  return secret;
}
