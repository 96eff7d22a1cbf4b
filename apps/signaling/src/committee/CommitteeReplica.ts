import type { Logger } from 'pino';
import { StaleOwnerError } from '../rooms/StaleOwnerError.ts';
import type { CommitteeSnapshot } from './CommitteeSnapshot.ts';
import type { CommitteeSnapshotStore } from './CommitteeSnapshotStore.ts';

export interface CommitteeReplicaOptions {
  roomId: string;
  store: CommitteeSnapshotStore;
  /**
   * In a cluster every write carries this node's lease fence, and a write without one (the lease is
   * no longer held) is not attempted. False on one machine, which owns every meeting.
   */
  fenced: boolean;
  logger: Logger;
}

interface Pending {
  snapshot: CommitteeSnapshot;
  fence: string | undefined;
}

/**
 * Replicates one committee room's snapshot to the store, for the node that takes the meeting over
 * (ADR 0007). Writes go one at a time, in the order the snapshots were taken; a snapshot taken while
 * one is being written replaces any that still waits (the next owner needs the latest state, not
 * each step). It stops at the first sign that this node no longer owns the meeting (the store says
 * the fence moved, or there is no fence to write with): the new owner's snapshot must not be
 * overwritten. A failure of the store itself (Redis down) is logged, and the next change writes the
 * whole state again.
 */
export class CommitteeReplica {
  readonly #options: CommitteeReplicaOptions;
  #writing: Promise<void> = Promise.resolve();
  #waiting: Pending | undefined;
  #stopped = false;

  constructor(options: CommitteeReplicaOptions) {
    this.#options = options;
  }

  /** False once stopped: nothing is written any more. */
  get replicating(): boolean {
    return !this.#stopped;
  }

  /** Writes `snapshot` under `fence` after the writes before it. */
  save(snapshot: CommitteeSnapshot, fence: string | undefined): void {
    if (this.#stopped) {
      return;
    }
    const queued = this.#waiting !== undefined;
    this.#waiting = { snapshot, fence };
    if (!queued) {
      this.#writing = this.#writing.then(() => this.#flush());
    }
  }

  /** Resolves once every snapshot saved so far is written (or refused, or failed: logged). */
  settled(): Promise<void> {
    return this.#writing;
  }

  /** Writes nothing more (this node lets go of the meeting); a write under way completes. */
  stop(): void {
    this.#stopped = true;
    this.#waiting = undefined;
  }

  /** Writes again (this node's lease was re-established after Redis forgot it). */
  resume(): void {
    this.#stopped = false;
  }

  /** The room is forgotten for good: deletes its stored snapshot after the writes under way, then stops. */
  delete(fence: string | undefined): Promise<void> {
    if (this.#stopped) {
      return this.#writing;
    }
    this.stop();
    this.#writing = this.#writing.then(() =>
      this.#write(fence, 'delete', (f) => this.#options.store.delete(this.#options.roomId, f)),
    );
    return this.#writing;
  }

  async #flush(): Promise<void> {
    const next = this.#waiting;
    this.#waiting = undefined;
    if (next === undefined || this.#stopped) {
      return;
    }
    await this.#write(next.fence, 'save', (f) =>
      this.#options.store.save(this.#options.roomId, next.snapshot, f),
    );
  }

  async #write(
    fence: string | undefined,
    what: 'save' | 'delete',
    write: (fence: string | undefined) => Promise<void>,
  ): Promise<void> {
    const { logger, roomId } = this.#options;
    const room = roomId.slice(0, 6);
    if (this.#options.fenced && fence === undefined) {
      logger.warn(
        { room, what },
        'this node no longer holds the meeting: its committee state is not replicated',
      );
      this.stop();
      return;
    }
    try {
      await write(fence);
    } catch (error) {
      if (error instanceof StaleOwnerError) {
        logger.warn(
          { room, what, fence },
          'the meeting has a newer owner: this node stops replicating its committee state',
        );
        this.stop();
        return;
      }
      logger.error({ err: error, room, what }, 'the committee snapshot could not be replicated');
    }
  }
}
