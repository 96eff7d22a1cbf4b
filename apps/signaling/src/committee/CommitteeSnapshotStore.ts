import { readCommitteeSnapshot, type CommitteeSnapshot } from './CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from './CommitteeSnapshotError.ts';

/**
 * Where a committee meeting's owner keeps its room's latest snapshot for the node that takes over
 * when it dies (ADR 0007): one per meeting, overwritten at each change, deleted when the room is
 * forgotten. In a cluster every write carries the owner's lease fence, checked atomically with the
 * write: a stale owner's write is refused with `StaleOwnerError` ('stale-owner') and changes
 * nothing. `load` parses what it reads (`CommitteeSnapshotError` 'invalid' for anything else).
 */
export interface CommitteeSnapshotStore {
  /** Replaces the meeting's snapshot. `roomId` is the snapshot's meeting. */
  save(roomId: string, snapshot: CommitteeSnapshot, fence?: string): Promise<void>;
  /** The meeting's snapshot, `undefined` when there is none. */
  load(roomId: string): Promise<CommitteeSnapshot | undefined>;
  /** Forgets the meeting's snapshot (none is fine). */
  delete(roomId: string, fence?: string): Promise<void>;
}

/** The stored form: JSON text, the same for every store. */
export function snapshotText(roomId: string, snapshot: CommitteeSnapshot): string {
  if (snapshot.meetingId !== roomId) {
    throw new TypeError('the snapshot is of another meeting');
  }
  return JSON.stringify(snapshot);
}

/** The stored form read back: parsed, and the meeting it is stored under. */
export function readStoredSnapshot(roomId: string, text: string): CommitteeSnapshot {
  const snapshot = readCommitteeSnapshot(text);
  if (snapshot.meetingId !== roomId) {
    throw CommitteeSnapshotError.invalid(`it is meeting ${snapshot.meetingId.slice(0, 6)}'s`);
  }
  return snapshot;
}
