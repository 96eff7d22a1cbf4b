import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import { ProtocolError, type MemberRole } from '@confidentiel/protocol';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { AgendaStore } from './AgendaStore.ts';
import { CommitteeRoom, type CommitteeActor } from './CommitteeRoom.ts';
import type { CommitteeSnapshot } from './CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from './CommitteeSnapshotError.ts';
import type { CommitteeSnapshotStore } from './CommitteeSnapshotStore.ts';
import { continueSession, reconcilePresence } from './CommitteeTakeover.ts';
import type { PauseMicrophones } from './floor.ts';
import { HostedCommitteeRoom, type CommitteeRoomDeps } from './HostedCommitteeRoom.ts';
import type { JournalService } from './JournalService.ts';
import type { MinutesStore } from './MinutesStore.ts';
import type { SessionJournal } from './SessionJournal.ts';

/**
 * How long a committee's state (agenda progress, votes, floor queue) outlives
 * an empty room: a chair who reloads alone, or a break, finds the session as
 * it was (in a new journal file, which opens with the state it resumes).
 */
export const RETAIN_EMPTY_ROOM_MS = 15 * 60_000;

/** What the committee feature needs of a member's connection (a MemberSession is one). */
export interface CommitteeMember {
  readonly memberId: string;
  readonly roomId: string;
  /** The member's current role (a moderator may have changed the token's). */
  readonly role: MemberRole;
  readonly identity: { readonly name: string };
  /** Where the room's committee events are sent from. */
  readonly socket: { readonly nsp: Namespace };
}

/**
 * What rooms tell the committee feature. Every method returns at once (the
 * work is queued per room, in call order) and never throws: a failure is
 * logged, the meeting goes on.
 */
export interface CommitteeHooks {
  /** The committee room of the member's meeting, made at first use; null when not a committee meeting. */
  roomOf(member: CommitteeMember): Promise<CommitteeRoom | null>;
  /** The committee room of `roomId` if one exists or is being made (no meeting lookup). */
  existing(roomId: string): Promise<CommitteeRoom | undefined>;
  memberJoined(member: CommitteeMember): void;
  memberLeft(member: CommitteeMember): void;
  admitted(member: CommitteeMember, by: CommitteeMember): void;
  refused(member: CommitteeMember, by: CommitteeMember): void;
  removed(member: CommitteeMember, by: CommitteeMember): void;
  /** A moderator sent the member back to the waiting room (deliberation in camera). */
  sentToLobby(member: CommitteeMember, by: CommitteeMember): void;
  roleChanged(member: CommitteeMember, from: MemberRole, by: CommitteeMember): void;
  meetingEnded(roomId: string, by: CommitteeMember): void;
  /**
   * Whether the member may send microphone audio now (the server decides who speaks): in a
   * committee meeting a participant needs the floor or free discussion, an observer never speaks;
   * in any other meeting, yes. Rejects (the caller refuses) when a committee room cannot be reached.
   */
  microphoneAllowed(member: CommitteeMember): Promise<boolean>;
  /** Where committee rooms pause microphones (the room gateway's media): given once, at start. */
  useMicrophones?(pause: (roomId: string) => PauseMicrophones): void;
}

/** For rooms without the committee feature: no meeting is a committee. */
export const NO_COMMITTEES: CommitteeHooks = {
  roomOf: () => Promise.resolve(null),
  existing: () => Promise.resolve(undefined),
  memberJoined: () => undefined,
  memberLeft: () => undefined,
  admitted: () => undefined,
  refused: () => undefined,
  removed: () => undefined,
  sentToLobby: () => undefined,
  roleChanged: () => undefined,
  meetingEnded: () => undefined,
  microphoneAllowed: () => Promise.resolve(true),
};

export function actorOf(member: CommitteeMember): CommitteeActor {
  return { memberId: member.memberId, displayName: member.identity.name, role: member.role };
}

export interface CommitteeServiceOptions {
  meetings: MeetingStore;
  agenda: AgendaStore;
  minutes: MinutesStore;
  journals: JournalService;
  state: RoomState;
  /**
   * Where each room's latest snapshot is replicated after every change, for the node that takes
   * the meeting over (ADR 0007): Redis in a cluster, memory on one machine.
   */
  snapshots: CommitteeSnapshotStore;
  /**
   * This node's lease fence on a meeting (cluster): snapshots are written and journal files held
   * under it; `undefined` means the meeting is not this node's. Absent on one machine, which owns
   * every meeting and fences nothing.
   */
  fenceOf?: (roomId: string) => string | undefined;
  logger: Logger;
  now?: () => number;
  random?: (n: number) => Buffer;
  retainEmptyMs?: number;
}

/**
 * The committee rooms of the meetings this node owns, one per committee meeting in session. Each
 * room's snapshot is replicated after every change; a node that takes a meeting over rebuilds the
 * room from it and continues its session's journal in the same file (ADR 0007).
 */
export class CommitteeService implements CommitteeHooks {
  readonly #options: CommitteeServiceOptions;
  readonly #now: () => number;
  readonly #rooms = new Map<string, HostedCommitteeRoom>();
  /** Rooms being made at first use. */
  readonly #pending = new Map<string, Promise<CommitteeRoom | null>>();
  /** Rooms being rebuilt from their snapshot (a takeover). */
  readonly #restoring = new Map<string, Promise<void>>();
  /** Journals being let go of (a lost meeting): closed before this node resumes the file again. */
  readonly #detaching = new Map<string, Promise<void>>();
  readonly #retention = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Where committee events are emitted from: the one room namespace of this process, learnt from
   * the members the hooks are given (a room rebuilt by a takeover has met none yet).
   */
  #nsp: Namespace | undefined;
  #handingOver: Promise<void> | undefined;
  #closed = false;
  /** Pauses microphones in a room (see `useMicrophones`); none until the room gateway gives it. */
  #microphones: ((roomId: string) => PauseMicrophones) | undefined;

  constructor(options: CommitteeServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the meeting has a committee session running or paused (its agenda is in use). */
  hasSession(meetingId: string): boolean {
    return this.#rooms.has(meetingId) || this.#pending.has(meetingId) || this.#restoring.has(meetingId);
  }

  /**
   * A session of the meeting is running or paused anywhere in the cluster:
   * here, or on its owner node (whose replicated snapshot exists while the
   * committee room lives). On one node, the same as `hasSession`.
   */
  async sessionUnderWay(meetingId: string): Promise<boolean> {
    if (this.hasSession(meetingId)) {
      return true;
    }
    return (await this.#options.snapshots.load(meetingId).catch(() => undefined)) !== undefined;
  }

  roomOf(member: CommitteeMember): Promise<CommitteeRoom | null> {
    this.#learn(member);
    const roomId = member.roomId;
    const hosted = this.#rooms.get(roomId);
    if (hosted) {
      return Promise.resolve(hosted.room);
    }
    const restoring = this.#restoring.get(roomId);
    if (restoring) {
      return restoring.then(() => this.roomOf(member));
    }
    if (this.#handingOver) {
      return Promise.reject(new ProtocolError('busy', 'this server is handing its meetings over: try again'));
    }
    let pending = this.#pending.get(roomId);
    if (!pending) {
      pending = this.#create(roomId).finally(() => this.#pending.delete(roomId));
      this.#pending.set(roomId, pending);
    }
    return pending;
  }

  async existing(roomId: string): Promise<CommitteeRoom | undefined> {
    await this.#restoring.get(roomId);
    return this.#rooms.get(roomId)?.room ?? (await this.#pending.get(roomId)) ?? undefined;
  }

  memberJoined(member: CommitteeMember): void {
    this.#learn(member);
    if (this.#handingOver) {
      return;
    }
    const joined = (room: CommitteeRoom): Promise<void> => {
      clearTimeout(this.#retention.get(member.roomId));
      this.#retention.delete(member.roomId);
      return room.memberJoined(actorOf(member));
    };
    const hosted = this.#rooms.get(member.roomId);
    if (hosted) {
      // Queued now, before any later hook of the same room.
      this.#run('member joined', () => joined(hosted.room));
      return;
    }
    this.#run('member joined', async () => {
      const made = await this.roomOf(member);
      if (made) {
        await joined(made);
      }
    });
  }

  memberLeft(member: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'member left', (room) => room.memberLeft(actorOf(member)));
  }

  admitted(member: CommitteeMember, by: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'member admitted', (room) =>
      room.moderation('member-admitted', actorOf(member), actorOf(by)),
    );
  }

  refused(member: CommitteeMember, by: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'member refused', (room) =>
      room.moderation('member-refused', actorOf(member), actorOf(by)),
    );
  }

  removed(member: CommitteeMember, by: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'member removed', (room) =>
      room.moderation('member-removed', actorOf(member), actorOf(by)),
    );
  }

  sentToLobby(member: CommitteeMember, by: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'member sent to the lobby', (room) =>
      room.moderation('member-sent-to-lobby', actorOf(member), actorOf(by)),
    );
  }

  roleChanged(member: CommitteeMember, from: MemberRole, by: CommitteeMember): void {
    this.#learn(member);
    this.#with(member.roomId, 'role changed', (room) => room.roleChanged(actorOf(member), from, actorOf(by)));
  }

  meetingEnded(roomId: string, by: CommitteeMember): void {
    this.#learn(by);
    this.#with(roomId, 'meeting ended', (room) => room.meetingEnded(actorOf(by)));
  }

  async microphoneAllowed(member: CommitteeMember): Promise<boolean> {
    if (member.role === 'host' || member.role === 'co-host') {
      return true;
    }
    // A committee room made or being made answers; otherwise the meeting says whether it is one.
    const room = (await this.existing(member.roomId)) ?? (await this.roomOf(member));
    return room === null ? true : room.maySpeak(member.memberId, member.role);
  }

  useMicrophones(pause: (roomId: string) => PauseMicrophones): void {
    this.#microphones = pause;
  }

  /**
   * This node just became the owner of `roomId` (its owner died, lost its lease or handed it over),
   * before any request of the meeting runs here: rebuilds the committee room from its replicated
   * snapshot and continues its session's journal in the same file, under this node's fence. No
   * snapshot: nothing to do (a new meeting, or not a committee). Idempotent; a second call while
   * the first runs waits for it. Rejects only when the snapshot cannot be read (the store is
   * unreachable): the caller answers `busy` and the next request tries again.
   */
  takeOver(roomId: string): Promise<void> {
    if (this.#closed || this.#handingOver || this.#rooms.has(roomId)) {
      return Promise.resolve();
    }
    let restoring = this.#restoring.get(roomId);
    if (!restoring) {
      restoring = this.#restore(roomId).finally(() => this.#restoring.delete(roomId));
      this.#restoring.set(roomId, restoring);
    }
    return restoring;
  }

  /**
   * Another node owns `roomId` now: forgets its committee room here without journaling or
   * replicating anything more (the new owner continues both). Its journal file is closed without
   * an end, so its chain goes on in the new owner's hands.
   */
  drop(roomId: string): void {
    clearTimeout(this.#retention.get(roomId));
    this.#retention.delete(roomId);
    const hosted = this.#rooms.get(roomId);
    if (hosted) {
      this.#rooms.delete(roomId);
      this.#letGo(hosted);
      this.#options.logger.info({ room: roomId.slice(0, 6) }, 'committee room dropped: another node owns it');
    }
    // A room still being made or rebuilt checks the lease before it is kept (see #stillOurs).
  }

  /** The lease of `roomId` was re-established after Redis forgot it: write the room's state back. */
  reestablished(roomId: string): void {
    this.#rooms.get(roomId)?.reestablished();
  }

  /** Resolves once every snapshot taken so far is written (for a test, or before letting go). */
  async replicated(): Promise<void> {
    await Promise.all([...this.#rooms.values()].map((hosted) => hosted.replicated()));
  }

  /**
   * A graceful stop, before this node releases its leases: every room's journal is let go of after
   * its last entry (no end: the next owner continues the session), then its latest snapshot, which
   * names that entry, is written. Rooms are not made or rebuilt here any more. Idempotent.
   */
  handOver(): Promise<void> {
    if (this.#closed) {
      return Promise.resolve();
    }
    this.#handingOver ??= (async () => {
      for (const timer of this.#retention.values()) {
        clearTimeout(timer);
      }
      this.#retention.clear();
      await Promise.allSettled([...this.#pending.values(), ...this.#restoring.values()]);
      const rooms = [...this.#rooms.values()];
      this.#rooms.clear();
      await Promise.all(rooms.map((hosted) => hosted.handOver()));
      this.#options.logger.info({ rooms: rooms.length }, 'committee rooms handed over');
    })();
    return this.#handingOver;
  }

  /** Ends every session's journal and forgets the rooms. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#retention.values()) {
      clearTimeout(timer);
    }
    this.#retention.clear();
    await Promise.allSettled([...this.#pending.values(), ...this.#restoring.values()]);
    await this.#handingOver;
    const rooms = [...this.#rooms.values()];
    this.#rooms.clear();
    await Promise.all(rooms.map((hosted) => hosted.close()));
    await Promise.allSettled(this.#detaching.values());
  }

  async #create(roomId: string): Promise<CommitteeRoom | null> {
    const { meetings, agenda, minutes, logger } = this.#options;
    const fence = this.#fenceOf(roomId);
    const meeting = await meetings.get(roomId);
    if (!meeting || meeting.kind !== 'committee' || this.#closed) {
      return null;
    }
    const [items, latest] = await Promise.all([agenda.get(roomId), minutes.latest(roomId)]);
    if (this.#closed || this.#handingOver || !this.#stillOurs(roomId, fence)) {
      throw new ProtocolError('busy', 'the meeting moved to another server: try again');
    }
    const { room } = this.#host(roomId, undefined, (deps) => {
      return new CommitteeRoom({
        ...deps,
        meetingId: roomId,
        title: meeting.title ?? '',
        agenda: items,
        minutes: latest,
      });
    });
    logger.info({ room: roomId.slice(0, 6), items: items.length }, 'committee session state made');
    return room;
  }

  /** Registers a room made by `make` from this service's collaborators. */
  #host(
    roomId: string,
    journal: SessionJournal | undefined,
    make: (deps: CommitteeRoomDeps) => CommitteeRoom,
  ): HostedCommitteeRoom {
    const { minutes, journals, state, logger, snapshots, fenceOf } = this.#options;
    // The room calls none of its hooks while it is being made.
    const hosted: HostedCommitteeRoom = new HostedCommitteeRoom(
      {
        roomId,
        deps: {
          minutesStore: minutes,
          members: () => state.members(roomId),
          pauseMicrophones: (which, by) => this.#microphones?.(roomId)(which, by) ?? Promise.resolve(0),
          logger,
          now: this.#now,
          random: this.#options.random ?? randomBytes,
          onEmpty: (ended) => this.#emptied(hosted, ended),
        },
        openJournal: () => journals.open(roomId, this.#fenceOf(roomId)),
        journal,
        nsp: () => this.#nsp,
        snapshots,
        fenceOf,
        logger,
      },
      make,
    );
    this.#rooms.set(roomId, hosted);
    return hosted;
  }

  async #restore(roomId: string): Promise<void> {
    const { journals, state, logger } = this.#options;
    const fence = this.#fenceOf(roomId);
    // A journal this node let go of moments ago (lost, then won back) is closed before it is reopened.
    await this.#detaching.get(roomId);
    const stored = await this.#loadSnapshot(roomId);
    if (stored === undefined) {
      return;
    }
    const continuation = await continueSession(stored, { journals, fence, logger });
    const { snapshot, journal } = continuation;
    if (this.#closed || this.#handingOver || !this.#stillOurs(roomId, fence)) {
      await journal?.detach().catch(() => undefined);
      return;
    }
    let hosted: HostedCommitteeRoom;
    try {
      // Restoring journals and broadcasts nothing; the presence changes below may.
      hosted = this.#host(roomId, journal, (deps) => CommitteeRoom.restore(snapshot, { ...deps, journal }));
    } catch (error) {
      await journal?.detach().catch(() => undefined);
      logger.error(
        { err: error, room: roomId.slice(0, 6) },
        'the committee room could not be rebuilt: it starts afresh',
      );
      return;
    }
    const { room } = hosted;
    await reconcilePresence(room, continuation, await state.members(roomId));
    if (!room.live && !this.#retention.has(roomId) && this.#rooms.get(roomId) === hosted) {
      // Paused between sessions: the old owner's retention timer died with it.
      this.#emptied(hosted, snapshot.ended);
    }
    logger.info(
      { room: roomId.slice(0, 6), live: room.live, seq: journal?.head?.seq ?? null },
      'committee room taken over',
    );
  }

  /** The stored snapshot; undefined when none, or unusable (logged: the meeting starts afresh). */
  async #loadSnapshot(roomId: string): Promise<CommitteeSnapshot | undefined> {
    try {
      return await this.#options.snapshots.load(roomId);
    } catch (error) {
      if (error instanceof CommitteeSnapshotError) {
        this.#options.logger.error(
          { err: error, room: roomId.slice(0, 6) },
          'the stored committee snapshot is unusable: the committee state starts afresh',
        );
        return undefined;
      }
      throw error;
    }
  }

  /** Forgets the room here without a word to the journal or the store (another node carries on). */
  #letGo(hosted: HostedCommitteeRoom): void {
    const { roomId } = hosted;
    const detaching = hosted.letGo().finally(() => {
      if (this.#detaching.get(roomId) === detaching) {
        this.#detaching.delete(roomId);
      }
    });
    this.#detaching.set(roomId, detaching);
  }

  /** The last member left: forget the state now (meeting ended) or after a grace time. */
  #emptied(hosted: HostedCommitteeRoom, ended: boolean): void {
    const { roomId, room } = hosted;
    const forget = (): void => {
      this.#retention.delete(roomId);
      if (this.#rooms.get(roomId) === hosted && !room.live) {
        this.#rooms.delete(roomId);
        // For good: its snapshot goes too, no node is to take this state over.
        this.#run('forget room', () => hosted.forget());
      }
    };
    clearTimeout(this.#retention.get(roomId));
    if (ended) {
      forget();
      return;
    }
    const timer = setTimeout(forget, this.#options.retainEmptyMs ?? RETAIN_EMPTY_ROOM_MS);
    timer.unref();
    this.#retention.set(roomId, timer);
  }

  /** Runs `work` on the room of `roomId` if it is a committee room (queued in call order). */
  #with(roomId: string, what: string, work: (room: CommitteeRoom) => Promise<void>): void {
    const hosted = this.#rooms.get(roomId);
    if (hosted) {
      this.#run(what, () => work(hosted.room));
      return;
    }
    const making = this.#restoring.get(roomId) ?? this.#pending.get(roomId);
    if (making) {
      this.#run(what, async () => {
        // Not made (not a committee, or the meeting moved): nothing to tell.
        await making.catch(() => undefined);
        const made = this.#rooms.get(roomId);
        if (made) {
          await work(made.room);
        }
      });
    }
  }

  #run(what: string, work: () => Promise<void>): void {
    work().catch((error: unknown) => {
      this.#options.logger.error({ err: error, what }, 'committee bookkeeping failed');
    });
  }

  #fenceOf(roomId: string): string | undefined {
    return this.#options.fenceOf?.(roomId);
  }

  /** Whether this node still holds the lease it held (`fence`) when it started making the room. */
  #stillOurs(roomId: string, fence: string | undefined): boolean {
    return this.#options.fenceOf === undefined || (fence !== undefined && this.#fenceOf(roomId) === fence);
  }

  #learn(member: CommitteeMember): void {
    this.#nsp ??= member.socket.nsp;
  }
}
