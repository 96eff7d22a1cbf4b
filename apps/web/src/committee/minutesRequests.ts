import { MeetingError } from '../media/MeetingError.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import type { MinutesCipher } from './minutesCipher.ts';

/** One item's minutes as this browser could open them. */
export interface MinutesEntry {
  revision: number;
  /** null: sealed with another key (another invite link's secret?) or damaged. */
  text: string | null;
}

export type SaveOutcome =
  | { outcome: 'saved'; revision: number }
  /** Someone saved in between; `latest` is their revision, now loaded. */
  | { outcome: 'conflict'; latest: number; entries: ReadonlyMap<string, MinutesEntry> };

/** Fetches every item's latest sealed minutes and opens what this key can open. */
export async function loadMinutes(
  client: CommitteeRequester,
  cipher: MinutesCipher,
): Promise<Map<string, MinutesEntry>> {
  const { items } = await client.committeeRequest('getMinutes', {});
  const opened = await Promise.all(
    items.map(async ({ itemId, revision, sealed }) => {
      const text = await cipher.open(itemId, revision, sealed).catch(() => null);
      return [itemId, { revision, text }] as const;
    }),
  );
  return new Map(opened);
}

/**
 * Seals `text` as revision `baseRevision + 1` of `itemId` and saves it. A
 * stale base is refused by the server with `conflict`: the minutes are then
 * reloaded and returned with the revision that won, so the caller can tell
 * the secretary and keep their text.
 */
export async function saveMinutes(
  client: CommitteeRequester,
  cipher: MinutesCipher,
  itemId: string,
  baseRevision: number,
  text: string,
): Promise<SaveOutcome> {
  const revision = baseRevision + 1;
  const sealed = await cipher.seal(itemId, revision, text);
  try {
    await client.committeeRequest('saveMinutes', { itemId, revision, sealed });
  } catch (failure) {
    const error = MeetingError.from(failure);
    if (error.reason !== 'conflict') {
      throw error;
    }
    const entries = await loadMinutes(client, cipher);
    return { outcome: 'conflict', latest: entries.get(itemId)?.revision ?? 0, entries };
  }
  return { outcome: 'saved', revision };
}
