import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import { memberChannel } from '../rooms/channels.ts';
import { CommitteeReplica } from './CommitteeReplica.ts';
import type {
  CommitteeActor,
  CommitteeChannel,
  CommitteeRestoreOptions,
  CommitteeRoom,
} from './CommitteeRoom.ts';
import type { CommitteeSnapshotStore } from './CommitteeSnapshotStore.ts';
import type { SessionJournal } from './SessionJournal.ts';

/** The collaborators of a room, for its constructor or `CommitteeRoom.restore`. */
export type CommitteeRoomDeps = Omit<CommitteeRestoreOptions, 'journal'>;

export interface HostedCommitteeRoomOptions {
  roomId: string;
  /** The room's collaborators but those this object provides (events, journal, replication). */
  deps: Omit<CommitteeRoomDeps, 'channel' | 'openJournal' | 'changed'>;
  /** Opens the journal of a new session. */
  openJournal: () => SessionJournal;
  /** The journal of the session a rebuilt room continues. */
  journal?: SessionJournal | undefined;
  /** The process's room namespace, once known; events are not sent before. */
  nsp: () => Namespace | undefined;
  snapshots: CommitteeSnapshotStore;
  /** This node's lease fence on the meeting; absent on one machine (nothing fenced). */
  fenceOf?: ((roomId: string) => string | undefined) | undefined;
  logger: Logger;
}

/** Reads a room's state in its turn (committeeState journals and changes nothing). */
const HANDOVER_READER: CommitteeActor = { memberId: 'handover', displayName: 'handover', role: 'observer' };

/**
 * A committee room run by this node (the meeting's owner): the room, its events to the members
 * wherever their sockets are, its journal, and its snapshot replicated after every change for the
 * node that would take the meeting over. Letting go of it (the meeting moved, or is handed over)
 * silences it: no event, no entry, no snapshot from here any more, and the journal file is closed
 * without an end, so that its chain goes on in the next owner's hands.
 */
export class HostedCommitteeRoom {
  readonly roomId: string;
  readonly room: CommitteeRoom;
  readonly #options: HostedCommitteeRoomOptions;
  readonly #replica: CommitteeReplica;
  /** The journal of the room's current (or last) session. */
  #journal: SessionJournal | undefined;
  #attached = true;
  #letGo: Promise<void> | undefined;

  /** `make` builds the room from the collaborators given (its constructor, or `restore`). */
  constructor(options: HostedCommitteeRoomOptions, make: (deps: CommitteeRoomDeps) => CommitteeRoom) {
    this.roomId = options.roomId;
    this.#options = options;
    this.#journal = options.journal;
    this.#replica = new CommitteeReplica({
      roomId: options.roomId,
      store: options.snapshots,
      fenced: options.fenceOf !== undefined,
      logger: options.logger,
    });
    const pause = options.deps.pauseMicrophones;
    this.room = make({
      ...options.deps,
      // Let go of, the room acts on no one's media any more (the new owner's room does).
      pauseMicrophones: pause && ((which, by) => (this.#attached ? pause(which, by) : Promise.resolve(0))),
      channel: this.#channel(),
      openJournal: () => {
        this.#journal = options.openJournal();
        return this.#journal;
      },
      changed: () => this.replicate(),
    });
  }

  /** False once let go of. */
  get attached(): boolean {
    return this.#attached;
  }

  /** The room's state now, to the store (called in the room's turn, after each change). */
  replicate(): void {
    if (!this.#attached || !this.#replica.replicating) {
      return;
    }
    try {
      this.#replica.save(this.room.toSnapshot(), this.#options.fenceOf?.(this.roomId));
    } catch (error) {
      this.#options.logger.error({ err: error }, 'could not take a committee snapshot');
    }
  }

  /** Resolves once every snapshot taken so far is written (or refused). */
  replicated(): Promise<void> {
    return this.#replica.settled();
  }

  /** The lease was re-established after Redis forgot it: replicate again, starting with the state now. */
  reestablished(): void {
    if (this.#attached) {
      this.#replica.resume();
      this.replicate();
    }
  }

  /**
   * Another node owns the meeting now: nothing more from here, and the journal file closed after
   * the entries already appended, without an end. Idempotent.
   */
  letGo(): Promise<void> {
    this.#letGo ??= (async () => {
      this.#silence();
      await this.#detachJournal();
    })();
    return this.#letGo;
  }

  /**
   * A graceful stop: the journal is let go of after its last entry, then the room's last state,
   * which names that entry, is replicated for the next owner; then as `letGo`. Idempotent.
   */
  handOver(): Promise<void> {
    this.#letGo ??= (async () => {
      await this.#detachJournal();
      // The requests already queued in the room finish first (one journaled before the detach
      // completes; a later one fails and changes nothing), so the snapshot below is the last state.
      await this.room.committeeState(HANDOVER_READER).catch(() => undefined);
      this.replicate();
      await this.#replica.settled();
      this.#silence();
    })();
    return this.#letGo;
  }

  /** The room is over for good (meeting ended, retention expired): closed, its snapshot deleted. */
  async forget(): Promise<void> {
    this.#attached = false;
    await this.room.close();
    await this.#replica.delete(this.#options.fenceOf?.(this.roomId));
  }

  /** Shutdown without a handover: the session's journal ends (see `CommitteeRoom.close`). */
  async close(): Promise<void> {
    await this.room.close();
    await this.#replica.settled();
  }

  #silence(): void {
    this.#attached = false;
    this.#replica.stop();
  }

  async #detachJournal(): Promise<void> {
    try {
      await this.#journal?.detach();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'could not let go of a session journal');
    }
  }

  #channel(): CommitteeChannel {
    const emit = (to: string, event: string, payload: unknown): void => {
      if (this.#attached) {
        this.#options.nsp()?.to(to).emit(event, payload);
      }
    };
    return {
      state: (snapshot) => emit(this.roomId, 'committeeState', snapshot),
      floor: (memberId, speaking) => emit(memberChannel(memberId), 'floorChanged', { speaking }),
    };
  }
}
