import type { Logger } from 'pino';
import type { MemberRole } from '@confidentiel/protocol';
import type { CommitteeHooks, CommitteeMember } from '../committee/CommitteeService.ts';
import type { CommitteeRoom } from '../committee/CommitteeRoom.ts';
import type { PauseMicrophones } from '../committee/floor.ts';
import type { MeetingStore, RoomEvent } from './MeetingStore.ts';

export interface MeetingStatusHooksOptions {
  /** The hooks the rooms had before (the committee feature's): every call goes on to them first. */
  inner: CommitteeHooks;
  meetings: Pick<MeetingStore, 'transition'>;
  /** How many members the room holds now (the shared room state: every node's members). */
  memberCount: (roomId: string) => Promise<number>;
  logger: Logger;
  now?: () => number;
}

/** Ids in logs are cut short: enough to correlate, useless as a link. */
const short = (id: string): string => id.slice(0, 6);

/**
 * Moves each meeting's status as its room lives (see nextMeetingStatus): a member entering opens
 * it, a host's end or the last departure ends it. It listens where the rooms already report
 * arrivals, departures and ends (the committee hooks, which every room calls whatever its kind)
 * by wrapping them, so the room code needs no second listener.
 *
 * A room's events are applied one after the other, in the order the rooms reported them, and each
 * carries the time it happened: a departure that empties the room and an arrival right after end
 * as `live`, never `ended`. Whether the room is empty is read when the departure's turn comes, after
 * every earlier arrival. Across nodes a meeting has one owner at a time (leases), and the stores
 * update conditionally on the state they decided from. A failure is logged; the meeting goes on.
 */
export class MeetingStatusHooks implements CommitteeHooks {
  readonly #inner: CommitteeHooks;
  readonly #meetings: Pick<MeetingStore, 'transition'>;
  readonly #memberCount: (roomId: string) => Promise<number>;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** Each room's last queued status step. */
  readonly #queues = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: MeetingStatusHooksOptions) {
    this.#inner = options.inner;
    this.#meetings = options.meetings;
    this.#memberCount = options.memberCount;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  roomOf(member: CommitteeMember): Promise<CommitteeRoom | null> {
    return this.#inner.roomOf(member);
  }

  existing(roomId: string): Promise<CommitteeRoom | undefined> {
    return this.#inner.existing(roomId);
  }

  memberJoined(member: CommitteeMember): void {
    this.#inner.memberJoined(member);
    this.#queue(member.roomId, 'opened', this.#now());
  }

  memberLeft(member: CommitteeMember): void {
    this.#inner.memberLeft(member);
    this.#queue(member.roomId, 'emptied', this.#now());
  }

  admitted(member: CommitteeMember, by: CommitteeMember): void {
    this.#inner.admitted(member, by);
  }

  refused(member: CommitteeMember, by: CommitteeMember): void {
    this.#inner.refused(member, by);
  }

  removed(member: CommitteeMember, by: CommitteeMember): void {
    this.#inner.removed(member, by);
  }

  sentToLobby(member: CommitteeMember, by: CommitteeMember): void {
    this.#inner.sentToLobby(member, by);
  }

  roleChanged(member: CommitteeMember, from: MemberRole, by: CommitteeMember): void {
    this.#inner.roleChanged(member, from, by);
  }

  meetingEnded(roomId: string, by: CommitteeMember): void {
    this.#inner.meetingEnded(roomId, by);
    this.#queue(roomId, 'ended-by-host', this.#now());
  }

  microphoneAllowed(member: CommitteeMember): Promise<boolean> {
    return this.#inner.microphoneAllowed(member);
  }

  useMicrophones(pause: (roomId: string) => PauseMicrophones): void {
    this.#inner.useMicrophones?.(pause);
  }

  /** Waits for the status steps already queued; later events are not applied. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#queues.values()]);
  }

  #queue(roomId: string, event: RoomEvent, at: number): void {
    if (this.#closed) {
      return;
    }
    const previous = this.#queues.get(roomId) ?? Promise.resolve();
    const step = previous.then(() => this.#apply(roomId, event, at));
    this.#queues.set(roomId, step);
    void step.then(() => {
      if (this.#queues.get(roomId) === step) {
        this.#queues.delete(roomId);
      }
    });
  }

  /** Never rejects. */
  async #apply(roomId: string, event: RoomEvent, at: number): Promise<void> {
    try {
      // A departure ends the meeting only if it left the room empty (read now, after every
      // arrival reported before it).
      if (event === 'emptied' && (await this.#memberCount(roomId)) > 0) {
        return;
      }
      const outcome = await this.#meetings.transition(roomId, event, at);
      if (outcome.kind === 'changed') {
        this.#logger.info(
          { meeting: short(roomId), event, status: outcome.meeting.status },
          'meeting status changed',
        );
      } else if (outcome.kind === 'refused' && outcome.reason !== 'unknown') {
        this.#logger.debug({ meeting: short(roomId), event, reason: outcome.reason }, 'meeting status kept');
      }
    } catch (error) {
      this.#logger.warn({ err: error, meeting: short(roomId), event }, 'could not record the meeting status');
    }
  }
}
