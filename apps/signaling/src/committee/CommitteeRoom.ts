import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ProtocolError, type CommitteeState, type MemberInfo, type MemberRole } from '@confidentiel/protocol';
import { planAgendaClose, planAgendaOpen, planAgendaReorder } from './agenda.ts';
import type { PreparedItem } from './AgendaStore.ts';
import {
  who,
  type CommitteeActor,
  type CommitteeRequest,
  type JournalData,
  type Plan,
  type Req,
  type Res,
} from './committeePlan.ts';
import { mayTakeFloor } from './committeeRoles.ts';
import { closeSpan, openSpan } from './attendance.ts';
import { MINUTE_MS, newRoomState, type CommitteeRoomState } from './CommitteeRoomState.ts';
import { committeeStateOf } from './committeeStateView.ts';
import { entriesAfterSnapshot, parseCommitteeSnapshot, type CommitteeSnapshot } from './CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from './CommitteeSnapshotError.ts';
import {
  clearFloor,
  mayUseMicrophone,
  planGiveFloor,
  planLowerHand,
  planMuteAll,
  planRaiseHand,
  planSetFreeDiscussion,
  planWithdrawFloor,
  type FloorChannel,
  type PauseMicrophones,
} from './floor.ts';
import type { MinutesRevision, MinutesStore } from './MinutesStore.ts';
import { planGetMinutes, planSaveMinutes } from './minutes.ts';
import { planSetRecording } from './recording.ts';
import { snapshotOf, stateFromSnapshot } from './roomSnapshots.ts';
import type { SessionJournal } from './SessionJournal.ts';
import { openVoteOf, planCastVote, planCloseVote, planOpenVote } from './votes.ts';

export type { CommitteeActor, CommitteeRequest } from './committeePlan.ts';
export { MAX_QUEUE } from './floor.ts';
export { MAX_VOTE_RESULTS } from './votes.ts';

export { MAX_ATTENDANCE } from './attendance.ts';
/** Refusals journaled per member per minute; beyond, they are refused without an entry (a flood guard). */
export const REFUSALS_JOURNALED_PER_MINUTE = 30;

/** Where the room's events go (Socket.IO in signaling, a recorder in tests). */
export interface CommitteeChannel {
  /** To everyone in the room. */
  state(snapshot: CommitteeState): void;
  /** To one member: the chair gave or withdrew their floor. */
  floor(memberId: string, speaking: boolean): void;
}

/** Why a session's journal ended. */
export type SessionEndReason = 'room-empty' | 'meeting-ended' | 'shutdown';

export interface CommitteeRoomOptions {
  meetingId: string;
  title: string;
  agenda: readonly PreparedItem[];
  /** The latest minutes of each item, as stored. */
  minutes: readonly MinutesRevision[];
  minutesStore: MinutesStore;
  /** Opens the journal of a new session (the first member arrived). */
  openJournal: () => SessionJournal;
  channel: CommitteeChannel;
  /** The room's admitted members now, with their current roles. */
  members: () => Promise<MemberInfo[]>;
  /** Pauses microphones in the room (who loses the floor, mute all); absent: no media to act on. */
  pauseMicrophones?: PauseMicrophones | undefined;
  logger: Logger;
  now: () => number;
  random?: (n: number) => Buffer;
  /** The room emptied (the session's journal is closing); `ended` after endMeeting. */
  onEmpty: (ended: boolean) => void;
  /**
   * Called after each change a snapshot must carry, inside the room's turn (no other change can
   * interleave): the place to replicate `toSnapshot()` for a takeover. A throw is logged, never
   * breaks the room.
   */
  changed?: () => void;
}

/** What `CommitteeRoom.restore` takes besides the snapshot, which brings the meeting, agenda and minutes. */
export interface CommitteeRestoreOptions extends Omit<
  CommitteeRoomOptions,
  'meetingId' | 'title' | 'agenda' | 'minutes'
> {
  /**
   * The running session's journal, reopened with `SessionJournal.resume` at the file the snapshot
   * names: required when the snapshot was taken during a session, refused otherwise.
   */
  journal?: SessionJournal | undefined;
}

/**
 * The live state of one committee meeting's room: agenda, floor, votes,
 * minutes index, recording notice and attendance. Every request is decided
 * here from the actor's current role; an accepted one is first written to the
 * session journal (fsynced) and only then takes effect, so nothing happens
 * that the journal does not hold; a refused one changes nothing and is
 * journaled as `refused`. Requests and presence changes run one at a time.
 */
export class CommitteeRoom {
  readonly #options: CommitteeRoomOptions;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  /** Agenda, floor, votes, minutes index, recording notice, attendance: what a snapshot carries. */
  #state: CommitteeRoomState;
  #journal: SessionJournal | null = null;
  readonly #closingJournals = new Set<Promise<void>>();
  #closed = false;
  #tasks: Promise<unknown> = Promise.resolve();

  constructor(options: CommitteeRoomOptions) {
    this.#options = options;
    this.#now = options.now;
    this.#random = options.random ?? randomBytes;
    this.#state = newRoomState(options.agenda, options.minutes);
  }

  /**
   * Rebuilds a room from `snapshot` (see `toSnapshot`), on the node that takes the meeting over:
   * the same state, the same session continuing in `options.journal`. Restoring is not an action:
   * it journals and broadcasts nothing. Throws `CommitteeSnapshotError`: 'invalid' for a snapshot
   * that does not parse, 'mismatch' for a journal that is not the snapshot's session (or ends
   * before the last entry the snapshot saw).
   */
  static restore(snapshot: CommitteeSnapshot, options: CommitteeRestoreOptions): CommitteeRoom {
    const state = parseCommitteeSnapshot(snapshot);
    const { journal, ...rest } = options;
    const after = entriesAfterSnapshot(state, journal);
    const room = new CommitteeRoom({
      ...rest,
      meetingId: state.meetingId,
      title: state.title,
      agenda: [],
      minutes: [],
    });
    room.#state = stateFromSnapshot(state);
    room.#journal = journal ?? null;
    if (after > 0) {
      room.#options.logger.warn(
        { meeting: state.meetingId.slice(0, 6), entries: after },
        'the journal holds entries written after the last committee snapshot: kept, their effect is not',
      );
    }
    return room;
  }

  get meetingId(): string {
    return this.#options.meetingId;
  }

  /** A session is running (someone is in the room, the journal is open). */
  get live(): boolean {
    return this.#journal !== null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- presence (never refused; journaled in order with the requests) ----

  /** An admitted member entered the room; the first one starts a session. */
  memberJoined(member: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed) {
        return;
      }
      const now = this.#now();
      if (this.#journal === null) {
        this.#startSession();
      }
      // The same member again (a new connection replacing the old one): one span ends, one starts.
      closeSpan(this.#state, member.memberId, now);
      openSpan(this.#state, member, now);
      void this.#note('member-joined', who(member));
      this.#broadcast();
    });
  }

  /** An admitted member left (or was removed, or their token expired); the last one ends the session. */
  memberLeft(member: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed || !this.#state.present.has(member.memberId)) {
        return;
      }
      const now = this.#now();
      closeSpan(this.#state, member.memberId, now);
      this.#state.queue = this.#state.queue.filter((id) => id !== member.memberId);
      if (this.#state.speaker === member.memberId) {
        void this.#note('floor-withdrawn', { memberId: member.memberId, reason: 'left' });
        clearFloor(this.#state, now);
      }
      void this.#note('member-left', who(member));
      if (this.#state.present.size === 0) {
        this.#endSession(this.#state.ended ? 'meeting-ended' : 'room-empty');
        this.#options.onEmpty(this.#state.ended);
        this.#changed();
        return;
      }
      this.#broadcast();
    });
  }

  /** A moderator changed a present member's role (after RoomState has it). */
  roleChanged(member: CommitteeActor, from: MemberRole, by: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed || !this.#state.present.has(member.memberId)) {
        return;
      }
      const now = this.#now();
      void this.#note('member-role-changed', { ...who(member), from, by: by.memberId });
      // A new span: the attendance says in which capacity each one was there, and when.
      closeSpan(this.#state, member.memberId, now);
      openSpan(this.#state, member, now);
      if (!mayTakeFloor(member.role)) {
        this.#state.queue = this.#state.queue.filter((id) => id !== member.memberId);
        if (this.#state.speaker === member.memberId) {
          void this.#note('floor-withdrawn', { memberId: member.memberId, reason: 'role-changed' });
          clearFloor(this.#state, now);
          this.#options.channel.floor(member.memberId, false);
        }
      }
      if (!mayUseMicrophone(this.#state, member.memberId, member.role)) {
        // A secretary made a participant speaks no more without the floor.
        this.#restrict(by.memberId);
      }
      this.#broadcast();
    });
  }

  /**
   * A moderator's decision about someone (admitted, refused, removed, sent back to the waiting
   * room): journaled, no other effect (their departure and return are journaled as for anyone).
   */
  moderation(
    type: 'member-admitted' | 'member-refused' | 'member-removed' | 'member-sent-to-lobby',
    member: { memberId: string; displayName: string; role: MemberRole },
    by: CommitteeActor,
  ): Promise<void> {
    return this.#serial(() => {
      if (!this.#closed && this.#journal !== null) {
        void this.#note(type, { ...who(member), by: by.memberId });
      }
    });
  }

  /** The host ended the meeting: journaled; the session ends as everyone is sent out. */
  meetingEnded(by: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed) {
        return;
      }
      this.#state.ended = true;
      if (this.#journal !== null) {
        void this.#note('meeting-ended', { by: by.memberId, byName: by.displayName });
      }
      this.#changed();
    });
  }

  /** Ends the session's journal (shutdown) and forgets the room. Idempotent. */
  async close(): Promise<void> {
    await this.#serial(() => {
      if (!this.#closed) {
        this.#closed = true;
        if (this.#journal !== null) {
          this.#endSession('shutdown');
        }
      }
    });
    await Promise.all(this.#closingJournals);
  }

  // ---- requests ----

  committeeState(actor: CommitteeActor): Promise<Res<'committeeState'>> {
    return this.#act(actor, 'committeeState', () => ({ entries: [], apply: () => this.snapshot() }));
  }

  agendaOpen(actor: CommitteeActor, request: Req<'agendaOpen'>): Promise<Res<'agendaOpen'>> {
    return this.#act(actor, 'agendaOpen', (now) => planAgendaOpen(this.#state, actor, request, now));
  }

  agendaClose(actor: CommitteeActor, request: Req<'agendaClose'>): Promise<Res<'agendaClose'>> {
    return this.#act(actor, 'agendaClose', (now) => planAgendaClose(this.#state, actor, request, now));
  }

  agendaReorder(actor: CommitteeActor, request: Req<'agendaReorder'>): Promise<Res<'agendaReorder'>> {
    return this.#act(actor, 'agendaReorder', () => planAgendaReorder(this.#state, actor, request));
  }

  raiseHand(actor: CommitteeActor): Promise<Res<'raiseHand'>> {
    return this.#act(actor, 'raiseHand', () => planRaiseHand(this.#state, actor));
  }

  lowerHand(actor: CommitteeActor): Promise<Res<'lowerHand'>> {
    return this.#act(actor, 'lowerHand', () => planLowerHand(this.#state, actor));
  }

  giveFloor(actor: CommitteeActor, request: Req<'giveFloor'>): Promise<Res<'giveFloor'>> {
    return this.#act(actor, 'giveFloor', (now) =>
      planGiveFloor(this.#state, actor, request, now, () => this.#options.members(), this.#floor),
    );
  }

  withdrawFloor(actor: CommitteeActor): Promise<Res<'withdrawFloor'>> {
    return this.#act(actor, 'withdrawFloor', (now) =>
      planWithdrawFloor(this.#state, actor, now, this.#floor),
    );
  }

  setFreeDiscussion(
    actor: CommitteeActor,
    request: Req<'setFreeDiscussion'>,
  ): Promise<Res<'setFreeDiscussion'>> {
    return this.#act(actor, 'setFreeDiscussion', () =>
      planSetFreeDiscussion(this.#state, actor, request, this.#floor),
    );
  }

  muteAll(actor: CommitteeActor): Promise<Res<'muteAll'>> {
    return this.#act(actor, 'muteAll', () =>
      planMuteAll(actor, (except, by) => {
        const pause = this.#options.pauseMicrophones;
        return pause ? pause((memberId) => memberId !== except, by) : Promise.resolve(0);
      }),
    );
  }

  /**
   * Whether the member may send microphone audio now (see `mayUseMicrophone`): read at once, between
   * two changes, by the media requests that make or unpause a microphone.
   */
  maySpeak(memberId: string, role: MemberRole): boolean {
    return mayUseMicrophone(this.#state, memberId, role);
  }

  openVote(actor: CommitteeActor, request: Req<'openVote'>): Promise<Res<'openVote'>> {
    return this.#act(actor, 'openVote', (now) =>
      planOpenVote(this.#state, actor, request, now, () => this.#options.members(), this.#random),
    );
  }

  castVote(actor: CommitteeActor, request: Req<'castVote'>): Promise<Res<'castVote'>> {
    return this.#act(actor, 'castVote', () => planCastVote(this.#state, actor, request));
  }

  closeVote(actor: CommitteeActor, request: Req<'closeVote'>): Promise<Res<'closeVote'>> {
    return this.#act(actor, 'closeVote', (now) => planCloseVote(this.#state, actor, request, now));
  }

  saveMinutes(actor: CommitteeActor, request: Req<'saveMinutes'>): Promise<Res<'saveMinutes'>> {
    return this.#act(actor, 'saveMinutes', (now) =>
      planSaveMinutes(this.#state, actor, request, now, this.#options),
    );
  }

  getMinutes(actor: CommitteeActor): Promise<Res<'getMinutes'>> {
    return this.#act(actor, 'getMinutes', () => planGetMinutes(this.#state, this.#options));
  }

  setRecording(actor: CommitteeActor, request: Req<'setRecording'>): Promise<Res<'setRecording'>> {
    return this.#act(actor, 'setRecording', (now) => planSetRecording(this.#state, actor, request, now));
  }

  /** The whole state, as broadcast after every change. */
  snapshot(): CommitteeState {
    return committeeStateOf(this.#state);
  }

  /**
   * Everything `CommitteeRoom.restore` needs to rebuild this room on another node, as plain JSON,
   * the open vote's ballots included (see CommitteeSnapshot on secret ballots). Taken between two
   * changes (from `channel.state`, which follows each), it is exactly the state that change left;
   * the journal head it names is the last entry fsynced by then. Throws `CommitteeSnapshotError`
   * ('closed') once the room is closed: delete its stored snapshot instead.
   */
  toSnapshot(): CommitteeSnapshot {
    if (this.#closed) {
      throw CommitteeSnapshotError.closed(this.meetingId);
    }
    return snapshotOf(this.#state, {
      meetingId: this.meetingId,
      title: this.#options.title,
      now: this.#now(),
      journal: this.#journal,
    });
  }

  // ---- internals ----

  /** The floor's channel: the member's own browser told, and the server's pause behind it. */
  readonly #floor: FloorChannel = {
    floor: (memberId, speaking) => this.#options.channel.floor(memberId, speaking),
    restrict: (by) => this.#restrict(by),
  };

  /** Pauses the microphones of everyone who may not speak now (not awaited: the room goes on). */
  #restrict(by: string): void {
    const pause = this.#options.pauseMicrophones;
    if (!pause) {
      return;
    }
    // Decided when the pause runs, on the state then: a floor given meanwhile is respected.
    pause((memberId, role) => !mayUseMicrophone(this.#state, memberId, role), by).catch((error: unknown) => {
      this.#options.logger.error(
        { err: error, meeting: this.meetingId.slice(0, 6) },
        'could not mute the members who lost the floor',
      );
    });
  }

  #serial<T>(task: () => T | Promise<T>): Promise<T> {
    const run = this.#tasks.then(task);
    this.#tasks = run.catch(() => undefined);
    return run;
  }

  /** Decides, journals, then applies one request; a refusal is journaled and rethrown. */
  #act<T>(
    actor: CommitteeActor,
    action: CommitteeRequest,
    plan: (now: number) => Plan<T> | Promise<Plan<T>>,
  ): Promise<T> {
    return this.#serial(async () => {
      if (this.#closed) {
        throw new ProtocolError('not-found', 'the committee session is over');
      }
      let planned: Plan<T>;
      try {
        planned = await plan(this.#now());
      } catch (error) {
        if (error instanceof ProtocolError) {
          // The refusal is in the journal before the member hears of it.
          await this.#refused(actor, action, error);
        }
        throw error;
      }
      if (planned.entries.length > 0) {
        await this.#record(planned.entries);
      }
      const result = await planned.apply();
      if (planned.entries.length > 0) {
        this.#broadcast();
      }
      return result;
    });
  }

  /** Waits until the entries are in the journal file; a request is not carried out otherwise. */
  async #record(entries: Plan<unknown>['entries']): Promise<void> {
    const journal = this.#journal;
    if (journal === null) {
      throw new ProtocolError('internal', 'the session journal is not open');
    }
    const writes = entries.map(([type, data]) => journal.append(type, data));
    try {
      await Promise.all(writes);
    } catch (error) {
      this.#options.logger.error(
        { err: error, meeting: this.meetingId.slice(0, 6) },
        'the session journal could not record a committee action',
      );
      throw new ProtocolError('internal', 'the session journal could not record this: nothing was done');
    }
  }

  /**
   * Journals an event that happens whatever the journal says (presence, a
   * refusal): the caller may wait for the write, which never rejects.
   */
  #note(type: string, data: JournalData): Promise<void> {
    const journal = this.#journal;
    if (journal === null) {
      return Promise.resolve();
    }
    return journal.append(type, data).then(
      () => undefined,
      (error: unknown) => {
        this.#options.logger.error(
          { err: error, meeting: this.meetingId.slice(0, 6), type },
          'the session journal could not record an event',
        );
      },
    );
  }

  #refused(actor: CommitteeActor, action: string, error: ProtocolError): Promise<void> {
    const now = this.#now();
    let budget = this.#state.refusals.get(actor.memberId);
    if (budget === undefined || now - budget.since >= MINUTE_MS) {
      budget = { since: now, count: 0 };
      this.#state.refusals.set(actor.memberId, budget);
    }
    budget.count++;
    if (budget.count > REFUSALS_JOURNALED_PER_MINUTE) {
      return Promise.resolve();
    }
    // Replicated up to the budget only: past it, a higher count behaves the same (a flood writes nothing).
    return this.#note('refused', {
      action,
      reason: error.reason,
      message: error.message,
      ...who(actor),
    }).then(() => this.#changed());
  }

  /** Journals the refusal of someone not admitted (still in the lobby) who tried a committee request. */
  refusedOutside(actor: CommitteeActor, action: string, error: ProtocolError): Promise<void> {
    return this.#serial(() => (this.#closed ? undefined : this.#refused(actor, action, error)));
  }

  #broadcast(): void {
    this.#options.channel.state(this.snapshot());
    this.#changed();
  }

  #changed(): void {
    try {
      this.#options.changed?.();
    } catch (error) {
      this.#options.logger.error(
        { err: error, meeting: this.meetingId.slice(0, 6) },
        'a committee change hook failed',
      );
    }
  }

  #startSession(): void {
    this.#journal = this.#options.openJournal();
    const vote = this.#state.vote;
    void this.#note('session-started', {
      meetingId: this.meetingId,
      title: this.#options.title,
      agenda: this.#state.items.map(({ itemId, title, status, elapsedMs }) => ({
        itemId,
        title,
        status,
        elapsedMs,
      })),
      currentItemId: this.#state.current?.itemId ?? null,
      openVote: vote === null ? null : { ...openVoteOf(vote), voted: vote.ballots.size },
      recordingId: this.#state.recording?.recordingId ?? null,
    });
  }

  #endSession(reason: SessionEndReason): void {
    const journal = this.#journal;
    if (journal === null) {
      return;
    }
    void this.#note('session-ended', { reason });
    this.#journal = null;
    const closing = journal.close().catch((error: unknown) => {
      this.#options.logger.error({ err: error }, 'could not close a session journal');
    });
    this.#closingJournals.add(closing);
    void closing.finally(() => this.#closingJournals.delete(closing));
  }
}
