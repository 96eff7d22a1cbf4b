import { deriveCommitteeKey, openCommitteeText, sealCommitteeText } from '@confidentiel/e2ee';

/**
 * Minutes are sealed in the secretary's browser with the committee minutes
 * key (from the committee secret, which the server never sees and which only
 * members a host let in receive). The
 * context binds a text to its item and revision: the server cannot replay
 * an old revision as a new one, nor move a text to another item.
 */
export interface MinutesCipher {
  seal(itemId: string, revision: number, text: string): Promise<string>;
  /** Throws when the text was sealed with another key, item or revision. */
  open(itemId: string, revision: number, sealed: string): Promise<string>;
}

/** The authenticated context of one revision of one item's minutes. */
export function minutesContext(itemId: string, revision: number): string {
  return `${itemId}:${revision}`;
}

export async function createMinutesCipher(
  committeeSecret: string,
  meetingId: string,
): Promise<MinutesCipher> {
  const key = await deriveCommitteeKey(committeeSecret, meetingId, 'minutes');
  return {
    seal: (itemId, revision, text) => sealCommitteeText(key, text, minutesContext(itemId, revision)),
    open: (itemId, revision, sealed) => openCommitteeText(key, sealed, minutesContext(itemId, revision)),
  };
}
