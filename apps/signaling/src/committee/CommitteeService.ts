import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import type { MemberRole } from '@confidentiel/protocol';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import { memberChannel } from '../rooms/channels.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { AgendaStore } from './AgendaStore.ts';
import { CommitteeRoom, type CommitteeActor, type CommitteeChannel } from './CommitteeRoom.ts';
import type { JournalService } from './JournalService.ts';
import type { MinutesStore } from './MinutesStore.ts';

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
  roleChanged(member: CommitteeMember, from: MemberRole, by: CommitteeMember): void;
  meetingEnded(roomId: string, by: CommitteeMember): void;
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
  roleChanged: () => undefined,
  meetingEnded: () => undefined,
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
  logger: Logger;
  now?: () => number;
  random?: (n: number) => Buffer;
  retainEmptyMs?: number;
}

/** The committee rooms of this node, one per committee meeting in session. */
export class CommitteeService implements CommitteeHooks {
  readonly #options: CommitteeServiceOptions;
  readonly #now: () => number;
  readonly #rooms = new Map<string, CommitteeRoom>();
  readonly #pending = new Map<string, Promise<CommitteeRoom | null>>();
  readonly #retention = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(options: CommitteeServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the meeting has a committee session running or paused (its agenda is in use). */
  hasSession(meetingId: string): boolean {
    return this.#rooms.has(meetingId) || this.#pending.has(meetingId);
  }

  roomOf(member: CommitteeMember): Promise<CommitteeRoom | null> {
    const roomId = member.roomId;
    const room = this.#rooms.get(roomId);
    if (room) {
      return Promise.resolve(room);
    }
    let pending = this.#pending.get(roomId);
    if (!pending) {
      pending = this.#create(roomId, member.socket.nsp).finally(() => this.#pending.delete(roomId));
      this.#pending.set(roomId, pending);
    }
    return pending;
  }

  async existing(roomId: string): Promise<CommitteeRoom | undefined> {
    return this.#rooms.get(roomId) ?? (await this.#pending.get(roomId)) ?? undefined;
  }

  memberJoined(member: CommitteeMember): void {
    const joined = (room: CommitteeRoom): Promise<void> => {
      clearTimeout(this.#retention.get(member.roomId));
      this.#retention.delete(member.roomId);
      return room.memberJoined(actorOf(member));
    };
    const room = this.#rooms.get(member.roomId);
    if (room) {
      // Queued now, before any later hook of the same room.
      this.#run('member joined', () => joined(room));
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
    this.#with(member.roomId, 'member left', (room) => room.memberLeft(actorOf(member)));
  }

  admitted(member: CommitteeMember, by: CommitteeMember): void {
    this.#with(member.roomId, 'member admitted', (room) =>
      room.moderation('member-admitted', actorOf(member), actorOf(by)),
    );
  }

  refused(member: CommitteeMember, by: CommitteeMember): void {
    this.#with(member.roomId, 'member refused', (room) =>
      room.moderation('member-refused', actorOf(member), actorOf(by)),
    );
  }

  removed(member: CommitteeMember, by: CommitteeMember): void {
    this.#with(member.roomId, 'member removed', (room) =>
      room.moderation('member-removed', actorOf(member), actorOf(by)),
    );
  }

  roleChanged(member: CommitteeMember, from: MemberRole, by: CommitteeMember): void {
    this.#with(member.roomId, 'role changed', (room) => room.roleChanged(actorOf(member), from, actorOf(by)));
  }

  meetingEnded(roomId: string, by: CommitteeMember): void {
    this.#with(roomId, 'meeting ended', (room) => room.meetingEnded(actorOf(by)));
  }

  /**
   * This node just became the owner of `roomId` (a takeover): rebuild the
   * committee room from its replicated snapshot, continuing its journal.
   */
  takeOver(_roomId: string): Promise<void> {
    return Promise.resolve();
  }

  /** Another node owns `roomId` now: forget its committee room here without journaling. */
  drop(_roomId: string): void {}

  /** A graceful stop: every committee room's latest snapshot is replicated for the next owner. */
  handOver(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends every session's journal and forgets the rooms. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#retention.values()) {
      clearTimeout(timer);
    }
    this.#retention.clear();
    await Promise.allSettled(this.#pending.values());
    const rooms = [...this.#rooms.values()];
    this.#rooms.clear();
    await Promise.all(rooms.map((room) => room.close()));
  }

  async #create(roomId: string, nsp: Namespace): Promise<CommitteeRoom | null> {
    const { meetings, agenda, minutes, journals, state, logger } = this.#options;
    const meeting = await meetings.get(roomId);
    if (!meeting || meeting.kind !== 'committee' || this.#closed) {
      return null;
    }
    const [items, latest] = await Promise.all([agenda.get(roomId), minutes.latest(roomId)]);
    const room: CommitteeRoom = new CommitteeRoom({
      meetingId: roomId,
      title: meeting.title ?? '',
      agenda: items,
      minutes: latest,
      minutesStore: minutes,
      openJournal: () => journals.open(roomId),
      channel: socketChannel(nsp, roomId),
      members: () => state.members(roomId),
      logger,
      now: this.#now,
      random: this.#options.random ?? randomBytes,
      onEmpty: (ended) => this.#emptied(room, ended),
    });
    this.#rooms.set(roomId, room);
    logger.info({ room: roomId.slice(0, 6), items: items.length }, 'committee session state made');
    return room;
  }

  /** The last member left: forget the state now (meeting ended) or after a grace time. */
  #emptied(room: CommitteeRoom, ended: boolean): void {
    const roomId = room.meetingId;
    const forget = (): void => {
      this.#retention.delete(roomId);
      if (this.#rooms.get(roomId) === room && !room.live) {
        this.#rooms.delete(roomId);
        this.#run('forget room', () => room.close());
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
    const room = this.#rooms.get(roomId);
    if (room) {
      this.#run(what, () => work(room));
      return;
    }
    const pending = this.#pending.get(roomId);
    if (pending) {
      this.#run(what, async () => {
        const made = await pending;
        if (made) {
          await work(made);
        }
      });
    }
  }

  #run(what: string, work: () => Promise<void>): void {
    work().catch((error: unknown) => {
      this.#options.logger.error({ err: error, what }, 'committee bookkeeping failed');
    });
  }
}

function socketChannel(nsp: Namespace, roomId: string): CommitteeChannel {
  return {
    state: (snapshot) => nsp.to(roomId).emit('committeeState', snapshot),
    floor: (memberId, speaking) => nsp.to(memberChannel(memberId)).emit('floorChanged', { speaking }),
  };
}
