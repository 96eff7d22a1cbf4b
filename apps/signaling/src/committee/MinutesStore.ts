/** One saved revision of an item's minutes: sealed in the browsers, opaque here. */
export interface MinutesRevision {
  meetingId: string;
  itemId: string;
  revision: number;
  /** base64url of IV || AES-GCM ciphertext; signaling never has the key. */
  sealed: string;
  /** Hex SHA-256 of `sealed` (its UTF-8 text), as journaled. */
  sha256: string;
  savedAt: number;
}

/**
 * Committee minutes, item by item, every revision kept. A revision is stored
 * only if it follows the latest one (`revision = latest + 1`): a stale editor
 * is refused instead of overwriting someone else's text.
 */
export interface MinutesStore {
  /** The latest revision number of the item's minutes; 0 when none. */
  latestRevision(meetingId: string, itemId: string): Promise<number>;
  /** False (and nothing stored) when `revision` does not follow the latest one. */
  save(minutes: MinutesRevision): Promise<boolean>;
  /** The latest revision of each item of the meeting. */
  latest(meetingId: string): Promise<MinutesRevision[]>;
}
