import { meetingIdSchema } from '@confidentiel/protocol';

/** The subset of `Storage` used here, so tests can pass their own. */
export type SecretStorage = Pick<Storage, 'getItem' | 'setItem'>;

export function defaultSecretStorage(): SecretStorage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage disabled (some private modes, sandboxed frames).
    return null;
  }
}

/** One kind of per-meeting secret kept by the organiser's browser (never sent to the server). */
export interface MeetingSecretStore {
  /** The storage key of a meeting's secret. */
  key(meetingId: string): string;
  /** The meeting's secret on this device, or null (not made here, or storage off since before this page). */
  load(meetingId: string, storage?: SecretStorage | null): string | null;
  /**
   * Keeps the meeting's secret on this device. Answers false when the browser
   * would not store it: the secret then lasts only as long as the page.
   * Replaces the secret the meeting had here, if any.
   */
  save(meetingId: string, secret: string, storage?: SecretStorage | null): boolean;
}

/**
 * A store of one kind of meeting secret in localStorage under `prefix<meetingId>`.
 * Secrets saved during the page's life are also kept in memory, whether or
 * not the storage took them: a browser that refuses storage still works
 * until the page closes.
 */
export function meetingSecretStore(options: {
  prefix: string;
  isSecret: (value: unknown) => value is string;
  /** Said in the TypeError for a value that is not such a secret (the value is never echoed). */
  what: string;
}): MeetingSecretStore {
  const pageMemory = new Map<string, string>();
  const key = (meetingId: string): string => `${options.prefix}${meetingId}`;
  return {
    key,
    load(meetingId, storage = defaultSecretStorage()) {
      if (!meetingIdSchema.safeParse(meetingId).success) {
        return null;
      }
      let value: string | null = null;
      try {
        value = storage?.getItem(key(meetingId)) ?? null;
      } catch {
        // Storage refused: the page's memory may still hold it.
      }
      if (options.isSecret(value)) {
        return value;
      }
      return pageMemory.get(meetingId) ?? null;
    },
    save(meetingId, secret, storage = defaultSecretStorage()) {
      if (!meetingIdSchema.safeParse(meetingId).success) {
        throw new TypeError('malformed meeting id');
      }
      if (!options.isSecret(secret)) {
        throw new TypeError(`not a ${options.what}`);
      }
      pageMemory.set(meetingId, secret);
      if (storage === null) {
        return false;
      }
      try {
        storage.setItem(key(meetingId), secret);
        return true;
      } catch {
        return false;
      }
    },
  };
}
