import { StaleOwnerError } from '../rooms/StaleOwnerError.ts';
import type { CommitteeSnapshot } from './CommitteeSnapshot.ts';
import { readStoredSnapshot, snapshotText, type CommitteeSnapshotStore } from './CommitteeSnapshotStore.ts';

export interface MemoryCommitteeSnapshotStoreOptions {
  /**
   * The meeting's current lease fence, to check a write's fence against (as Redis does);
   * `undefined` when nobody holds the meeting. Without it (one machine, which owns every meeting),
   * fences are not checked.
   */
  currentFence?: (roomId: string) => string | undefined;
}

/**
 * Snapshots in this process (one machine; tests). They are kept as JSON text, as Redis keeps them,
 * so what is loaded is a copy that went through the same parsing.
 */
export class MemoryCommitteeSnapshotStore implements CommitteeSnapshotStore {
  readonly #texts = new Map<string, string>();
  readonly #currentFence: ((roomId: string) => string | undefined) | undefined;

  constructor(options: MemoryCommitteeSnapshotStoreOptions = {}) {
    this.#currentFence = options.currentFence;
  }

  save(roomId: string, snapshot: CommitteeSnapshot, fence?: string): Promise<void> {
    return new Promise((resolve) => {
      const text = snapshotText(roomId, snapshot);
      this.#checkFence(roomId, fence);
      this.#texts.set(roomId, text);
      resolve();
    });
  }

  load(roomId: string): Promise<CommitteeSnapshot | undefined> {
    return new Promise((resolve) => {
      const text = this.#texts.get(roomId);
      resolve(text === undefined ? undefined : readStoredSnapshot(roomId, text));
    });
  }

  delete(roomId: string, fence?: string): Promise<void> {
    return new Promise((resolve) => {
      this.#checkFence(roomId, fence);
      this.#texts.delete(roomId);
      resolve();
    });
  }

  #checkFence(roomId: string, fence: string | undefined): void {
    if (fence === undefined || this.#currentFence === undefined) {
      return;
    }
    const current = this.#currentFence(roomId);
    if (current === undefined) {
      throw StaleOwnerError.noLease(roomId);
    }
    if (current !== fence) {
      throw StaleOwnerError.fenceMoved(roomId);
    }
  }
}
