import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  DEFAULT_VOTE_OPTIONS,
  ProtocolError,
  type AgendaItem,
  type CommitteeState,
  type MemberInfo,
  type MemberRole,
  type OpenVote,
  type RequestOf,
  type ResponseOf,
  type roomRequests,
  type VoteResult,
  type committeeRequests,
} from '@confidentiel/protocol';
import type { PreparedItem } from './AgendaStore.ts';
import { isChair, isSecretary, mayTakeFloor, mayVote } from './committeeRoles.ts';
import {
  COMMITTEE_SNAPSHOT_VERSION,
  entriesAfterSnapshot,
  parseCommitteeSnapshot,
  type CommitteeSnapshot,
} from './CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from './CommitteeSnapshotError.ts';
import type { MinutesRevision, MinutesStore } from './MinutesStore.ts';
import type { SessionJournal } from './SessionJournal.ts';

/** Most vote results one committee keeps (the protocol's bound). */
export const MAX_VOTE_RESULTS = 200;
/** Most attendance spans kept; the oldest closed ones go first. */
export const MAX_ATTENDANCE = 5000;
/** Most raised hands at once. */
export const MAX_QUEUE = 1000;
/** Refusals journaled per member per minute; beyond, they are refused without an entry (a flood guard). */
export const REFUSALS_JOURNALED_PER_MINUTE = 30;
const MINUTE_MS = 60_000;
/** The minutes returned by getMinutes (the protocol's bound). */
const MAX_MINUTES_ITEMS = 100;

/** The member making a request, as the room sees them now. */
export interface CommitteeActor {
  memberId: string;
  displayName: string;
  role: MemberRole;
}

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

export type CommitteeRequest = keyof typeof committeeRequests;
type Req<K extends CommitteeRequest> = RequestOf<typeof roomRequests, K>;
type Res<K extends CommitteeRequest> = ResponseOf<typeof roomRequests, K>;

type JournalData = Record<string, unknown>;
/** What an accepted request does: the entries it journals, then the change itself. */
interface Plan<T> {
  entries: [type: string, data: JournalData][];
  apply: () => T | Promise<T>;
}

interface ItemState {
  itemId: string;
  title: string;
  presenter: string | null;
  plannedMinutes: number;
  notes: string;
  status: AgendaItem['status'];
  elapsedMs: number;
  speakingMs: Map<string, number>;
}

interface VoteState {
  voteId: string;
  motion: string;
  options: string[];
  secret: boolean;
  itemId: string | null;
  openedAt: number;
  eligible: number;
  quorum: number;
  /**
   * Held only while the vote is open. A secret ballot's choices are never journaled; they reach
   * the owner's snapshot in Redis while the vote is open (see CommitteeSnapshot), nowhere else.
   */
  ballots: Map<string, { displayName: string; choice: string }>;
}

interface Span {
  memberId: string;
  displayName: string;
  role: MemberRole;
  joinedAt: number;
  leftAt: number | null;
}

const forbidden = (message: string): ProtocolError => new ProtocolError('forbidden', message);
const notFound = (message: string): ProtocolError => new ProtocolError('not-found', message);
const conflict = (message: string): ProtocolError => new ProtocolError('conflict', message);

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
  readonly #items: ItemState[];
  #current: ItemState | null = null;
  #currentSince: number | null = null;
  #speaker: string | null = null;
  #speakerSince: number | null = null;
  /** Start of the speaker's time not yet counted on the current item. */
  #speakingFrom: number | null = null;
  #queue: string[] = [];
  #vote: VoteState | null = null;
  readonly #closedVotes = new Set<string>();
  readonly #results: VoteResult[] = [];
  #recording: { since: number; recordingId: string } | null = null;
  readonly #minutes = new Map<string, { revision: number; sha256: string }>();
  readonly #attendance: Span[] = [];
  readonly #present = new Map<string, Span>();
  readonly #refusals = new Map<string, { since: number; count: number }>();
  #journal: SessionJournal | null = null;
  readonly #closingJournals = new Set<Promise<void>>();
  #ended = false;
  #closed = false;
  #tasks: Promise<unknown> = Promise.resolve();

  constructor(options: CommitteeRoomOptions) {
    this.#options = options;
    this.#now = options.now;
    this.#random = options.random ?? randomBytes;
    this.#items = options.agenda.map((item) => ({
      ...item,
      status: 'pending',
      elapsedMs: 0,
      speakingMs: new Map(),
    }));
    // Minutes of items no longer on the agenda (replaced before this session) stay stored, not served.
    const agenda = new Set(options.agenda.map((item) => item.itemId));
    for (const minutes of options.minutes) {
      if (agenda.has(minutes.itemId)) {
        this.#minutes.set(minutes.itemId, { revision: minutes.revision, sha256: minutes.sha256 });
      }
    }
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
    for (const { speakingMs, ...item } of state.items) {
      room.#items.push({
        ...item,
        speakingMs: new Map(speakingMs.map(({ memberId, ms }) => [memberId, ms])),
      });
    }
    room.#current = room.#items.find((item) => item.itemId === state.currentItemId) ?? null;
    room.#currentSince = state.currentSince;
    room.#speaker = state.floor.speaker;
    room.#speakerSince = state.floor.since;
    room.#speakingFrom = state.floor.speakingFrom;
    room.#queue = [...state.floor.queue];
    if (state.vote !== null) {
      const { ballots, ...vote } = state.vote;
      room.#vote = {
        ...vote,
        ballots: new Map(
          ballots.map(({ memberId, displayName, choice }) => [memberId, { displayName, choice }]),
        ),
      };
    }
    for (const result of state.results) {
      room.#results.push(result);
      room.#closedVotes.add(result.voteId);
    }
    room.#recording = state.recording;
    for (const { itemId, revision, sha256 } of state.minutes) {
      room.#minutes.set(itemId, { revision, sha256 });
    }
    room.#attendance.push(...state.attendance);
    // A present member's span is the open one in the attendance (the same object, as it closes).
    const open = new Map(room.#attendance.filter((s) => s.leftAt === null).map((s) => [s.memberId, s]));
    for (const span of state.present) {
      const listed = open.get(span.memberId);
      room.#present.set(span.memberId, listed?.joinedAt === span.joinedAt ? listed : span);
    }
    for (const { memberId, since, count } of state.refusals) {
      room.#refusals.set(memberId, { since, count });
    }
    room.#ended = state.ended;
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
      this.#closeSpan(member.memberId, now);
      this.#openSpan(member, now);
      void this.#note('member-joined', this.#who(member));
      this.#broadcast();
    });
  }

  /** An admitted member left (or was removed, or their token expired); the last one ends the session. */
  memberLeft(member: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed || !this.#present.has(member.memberId)) {
        return;
      }
      const now = this.#now();
      this.#closeSpan(member.memberId, now);
      this.#queue = this.#queue.filter((id) => id !== member.memberId);
      if (this.#speaker === member.memberId) {
        void this.#note('floor-withdrawn', { memberId: member.memberId, reason: 'left' });
        this.#clearFloor(now);
      }
      void this.#note('member-left', this.#who(member));
      if (this.#present.size === 0) {
        this.#endSession(this.#ended ? 'meeting-ended' : 'room-empty');
        this.#options.onEmpty(this.#ended);
        this.#changed();
        return;
      }
      this.#broadcast();
    });
  }

  /** A moderator changed a present member's role (after RoomState has it). */
  roleChanged(member: CommitteeActor, from: MemberRole, by: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed || !this.#present.has(member.memberId)) {
        return;
      }
      const now = this.#now();
      void this.#note('member-role-changed', { ...this.#who(member), from, by: by.memberId });
      // A new span: the attendance says in which capacity each one was there, and when.
      this.#closeSpan(member.memberId, now);
      this.#openSpan(member, now);
      if (!mayTakeFloor(member.role)) {
        this.#queue = this.#queue.filter((id) => id !== member.memberId);
        if (this.#speaker === member.memberId) {
          void this.#note('floor-withdrawn', { memberId: member.memberId, reason: 'role-changed' });
          this.#clearFloor(now);
          this.#options.channel.floor(member.memberId, false);
        }
      }
      this.#broadcast();
    });
  }

  /** A moderator's decision about someone (admitted, refused, removed): journaled, no other effect. */
  moderation(
    type: 'member-admitted' | 'member-refused' | 'member-removed',
    member: { memberId: string; displayName: string; role: MemberRole },
    by: CommitteeActor,
  ): Promise<void> {
    return this.#serial(() => {
      if (!this.#closed && this.#journal !== null) {
        void this.#note(type, { ...this.#who(member), by: by.memberId });
      }
    });
  }

  /** The host ended the meeting: journaled; the session ends as everyone is sent out. */
  meetingEnded(by: CommitteeActor): Promise<void> {
    return this.#serial(() => {
      if (this.#closed) {
        return;
      }
      this.#ended = true;
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

  agendaOpen(actor: CommitteeActor, { itemId }: Req<'agendaOpen'>): Promise<Res<'agendaOpen'>> {
    return this.#act(actor, 'agendaOpen', (now) => {
      this.#requireChair(actor, 'run the agenda');
      const item = this.#item(itemId);
      if (this.#current === item) {
        throw conflict('this item is already open');
      }
      const entries: Plan<unknown>['entries'] = [];
      const current = this.#current;
      if (current !== null) {
        entries.push(['agenda-closed', this.#closingData(current, now, actor)]);
      }
      entries.push([
        'agenda-opened',
        { itemId, title: item.title, reopened: item.status === 'closed', by: actor.memberId },
      ]);
      return {
        entries,
        apply: () => {
          this.#closeCurrent(now);
          item.status = 'open';
          this.#current = item;
          this.#currentSince = now;
          if (this.#speaker !== null) {
            this.#speakingFrom = now;
          }
          return {};
        },
      };
    });
  }

  agendaClose(actor: CommitteeActor, { itemId }: Req<'agendaClose'>): Promise<Res<'agendaClose'>> {
    return this.#act(actor, 'agendaClose', (now) => {
      this.#requireChair(actor, 'run the agenda');
      const item = this.#item(itemId);
      if (this.#current !== item) {
        throw conflict('this item is not open');
      }
      return {
        entries: [['agenda-closed', this.#closingData(item, now, actor)]],
        apply: () => {
          this.#closeCurrent(now);
          return {};
        },
      };
    });
  }

  agendaReorder(actor: CommitteeActor, { itemIds }: Req<'agendaReorder'>): Promise<Res<'agendaReorder'>> {
    return this.#act(actor, 'agendaReorder', () => {
      this.#requireChair(actor, 'reorder the agenda');
      const known = new Set(this.#items.map((item) => item.itemId));
      const given = new Set(itemIds);
      if (
        given.size !== itemIds.length ||
        given.size !== known.size ||
        itemIds.some((id) => !known.has(id))
      ) {
        throw ProtocolError.invalidPayload('list every agenda item exactly once');
      }
      return {
        entries: [['agenda-reordered', { itemIds, by: actor.memberId }]],
        apply: () => {
          const order = new Map(itemIds.map((id, index) => [id, index]));
          this.#items.sort((a, b) => order.get(a.itemId)! - order.get(b.itemId)!);
          return {};
        },
      };
    });
  }

  raiseHand(actor: CommitteeActor): Promise<Res<'raiseHand'>> {
    return this.#act(actor, 'raiseHand', () => {
      if (this.#queue.includes(actor.memberId)) {
        throw conflict('your hand is already raised');
      }
      if (this.#speaker === actor.memberId) {
        throw conflict('you have the floor');
      }
      if (this.#queue.length >= MAX_QUEUE) {
        throw conflict('too many raised hands');
      }
      return {
        entries: [['hand-raised', this.#who(actor)]],
        apply: () => {
          this.#queue.push(actor.memberId);
          return {};
        },
      };
    });
  }

  lowerHand(actor: CommitteeActor): Promise<Res<'lowerHand'>> {
    return this.#act(actor, 'lowerHand', () => {
      if (!this.#queue.includes(actor.memberId)) {
        throw conflict('your hand is not raised');
      }
      return {
        entries: [['hand-lowered', this.#who(actor)]],
        apply: () => {
          this.#queue = this.#queue.filter((id) => id !== actor.memberId);
          return {};
        },
      };
    });
  }

  giveFloor(actor: CommitteeActor, { memberId }: Req<'giveFloor'>): Promise<Res<'giveFloor'>> {
    return this.#act(actor, 'giveFloor', async (now) => {
      this.#requireChair(actor, 'give the floor');
      const target = (await this.#options.members()).find((m) => m.memberId === memberId);
      if (!target) {
        throw notFound('member not found');
      }
      if (!mayTakeFloor(target.role)) {
        throw forbidden('observers do not take the floor');
      }
      if (this.#speaker === memberId) {
        throw conflict('this member already has the floor');
      }
      const previous = this.#speaker;
      return {
        entries: [
          ['floor-given', { memberId, displayName: target.displayName, previous, by: actor.memberId }],
        ],
        apply: () => {
          this.#clearFloor(now);
          this.#speaker = memberId;
          this.#speakerSince = now;
          this.#speakingFrom = now;
          this.#queue = this.#queue.filter((id) => id !== memberId);
          this.#options.channel.floor(memberId, true);
          if (previous !== null) {
            this.#options.channel.floor(previous, false);
          }
          return {};
        },
      };
    });
  }

  withdrawFloor(actor: CommitteeActor): Promise<Res<'withdrawFloor'>> {
    return this.#act(actor, 'withdrawFloor', (now) => {
      this.#requireChair(actor, 'withdraw the floor');
      const speaker = this.#speaker;
      if (speaker === null) {
        throw conflict('nobody has the floor');
      }
      return {
        entries: [['floor-withdrawn', { memberId: speaker, reason: 'chair', by: actor.memberId }]],
        apply: () => {
          this.#clearFloor(now);
          this.#options.channel.floor(speaker, false);
          return {};
        },
      };
    });
  }

  openVote(actor: CommitteeActor, request: Req<'openVote'>): Promise<Res<'openVote'>> {
    return this.#act(actor, 'openVote', async (now) => {
      this.#requireChair(actor, 'open a vote');
      if (this.#vote !== null) {
        throw conflict('a vote is already open');
      }
      if (this.#results.length >= MAX_VOTE_RESULTS) {
        throw conflict(`at most ${MAX_VOTE_RESULTS} votes in one committee session`);
      }
      const options = request.options ?? [...DEFAULT_VOTE_OPTIONS];
      if (new Set(options.map((o) => o.toLowerCase())).size !== options.length) {
        throw ProtocolError.invalidPayload('the options must differ');
      }
      const eligible = (await this.#options.members()).filter((m) => mayVote(m.role)).length;
      const vote: VoteState = {
        voteId: this.#random(12).toString('base64url'),
        motion: request.motion,
        options,
        secret: request.secret,
        itemId: this.#current?.itemId ?? null,
        openedAt: now,
        eligible,
        quorum: request.quorum ?? Math.floor(eligible / 2) + 1,
        ballots: new Map(),
      };
      const { ballots: _ballots, ...announced } = vote;
      return {
        entries: [['vote-opened', { ...announced, by: actor.memberId }]],
        apply: () => {
          this.#vote = vote;
          return { voteId: vote.voteId };
        },
      };
    });
  }

  castVote(actor: CommitteeActor, { voteId, choice }: Req<'castVote'>): Promise<Res<'castVote'>> {
    return this.#act(actor, 'castVote', () => {
      if (!mayVote(actor.role)) {
        throw forbidden('observers do not vote');
      }
      const vote = this.#openVote(voteId);
      if (vote.ballots.has(actor.memberId)) {
        throw conflict('you have already voted');
      }
      if (!vote.options.includes(choice)) {
        throw ProtocolError.invalidPayload(`choose one of: ${vote.options.join(', ')}`);
      }
      // A secret ballot's journal entry says who voted, never what.
      const data: JournalData = { voteId, ...this.#who(actor) };
      if (!vote.secret) {
        data.choice = choice;
      }
      return {
        entries: [['vote-cast', data]],
        apply: () => {
          vote.ballots.set(actor.memberId, { displayName: actor.displayName, choice });
          return {};
        },
      };
    });
  }

  closeVote(actor: CommitteeActor, { voteId }: Req<'closeVote'>): Promise<Res<'closeVote'>> {
    return this.#act(actor, 'closeVote', (now) => {
      this.#requireChair(actor, 'close a vote');
      const vote = this.#openVote(voteId);
      const result = tally(vote, now);
      return {
        entries: [['vote-closed', { ...result, by: actor.memberId }]],
        apply: () => {
          this.#results.push(result);
          this.#closedVotes.add(vote.voteId);
          this.#vote = null;
          return result;
        },
      };
    });
  }

  saveMinutes(actor: CommitteeActor, request: Req<'saveMinutes'>): Promise<Res<'saveMinutes'>> {
    return this.#act(actor, 'saveMinutes', async (now) => {
      if (!isSecretary(actor.role)) {
        throw forbidden('only the chair or a co-host (the secretary) can save minutes');
      }
      const { itemId, revision, sealed } = request;
      this.#item(itemId);
      const { meetingId, minutesStore } = this.#options;
      const latest = await minutesStore.latestRevision(meetingId, itemId);
      if (revision !== latest + 1) {
        throw conflict(`revision ${revision} is stale: the latest is ${latest}, save ${latest + 1}`);
      }
      const sha256 = createHash('sha256').update(sealed, 'utf8').digest('hex');
      return {
        entries: [['minutes-saved', { itemId, revision, sha256, by: actor.memberId }]],
        apply: async () => {
          const saved = await minutesStore.save({
            meetingId,
            itemId,
            revision,
            sealed,
            sha256,
            savedAt: now,
          });
          if (!saved) {
            throw new ProtocolError('internal', 'the minutes changed while saving; reload them');
          }
          this.#minutes.set(itemId, { revision, sha256 });
          return { revision, sha256 };
        },
      };
    });
  }

  getMinutes(actor: CommitteeActor): Promise<Res<'getMinutes'>> {
    return this.#act(actor, 'getMinutes', async () => {
      const stored = await this.#options.minutesStore.latest(this.#options.meetingId);
      const agenda = new Set(this.#items.map((item) => item.itemId));
      const items = stored
        .filter((m) => agenda.has(m.itemId))
        .slice(0, MAX_MINUTES_ITEMS)
        .map(({ itemId, revision, sealed }) => ({ itemId, revision, sealed }));
      return { entries: [], apply: () => ({ items }) };
    });
  }

  setRecording(
    actor: CommitteeActor,
    { on, recordingId }: Req<'setRecording'>,
  ): Promise<Res<'setRecording'>> {
    return this.#act(actor, 'setRecording', (now) => {
      this.#requireChair(actor, 'start or stop the recording');
      const running = this.#recording;
      if (on) {
        if (recordingId === null) {
          throw ProtocolError.invalidPayload('starting a recording needs its recordingId');
        }
        if (running !== null) {
          throw conflict('the recording is already running');
        }
        return {
          entries: [['recording-started', { recordingId, by: actor.memberId }]],
          apply: () => {
            this.#recording = { since: now, recordingId };
            return {};
          },
        };
      }
      if (running === null) {
        throw conflict('no recording is running');
      }
      if (recordingId !== null && recordingId !== running.recordingId) {
        throw conflict('this is not the recording that is running');
      }
      return {
        entries: [['recording-stopped', { recordingId: running.recordingId, by: actor.memberId }]],
        apply: () => {
          this.#recording = null;
          return {};
        },
      };
    });
  }

  /** The whole state, as broadcast after every change. */
  snapshot(): CommitteeState {
    const vote = this.#vote;
    return {
      agenda: this.#items.map((item) => ({
        itemId: item.itemId,
        title: item.title,
        presenter: item.presenter,
        plannedMinutes: item.plannedMinutes,
        notes: item.notes,
        status: item.status,
        elapsedMs: item.elapsedMs,
        speakingMs: Object.fromEntries(item.speakingMs),
      })),
      currentItemId: this.#current?.itemId ?? null,
      currentSince: this.#currentSince,
      floor: { speaker: this.#speaker, since: this.#speakerSince, queue: [...this.#queue] },
      vote: vote === null ? null : openVoteOf(vote),
      results: this.#results.map((result) => structuredClone(result)),
      recording: {
        on: this.#recording !== null,
        since: this.#recording?.since ?? null,
        recordingId: this.#recording?.recordingId ?? null,
      },
      minutes: Object.fromEntries([...this.#minutes].map(([itemId, m]) => [itemId, { ...m }])),
      attendance: this.#attendance.map((span) => ({ ...span })),
    };
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
    const now = this.#now();
    const vote = this.#vote;
    const journal = this.#journal;
    const head = journal?.head;
    return {
      version: COMMITTEE_SNAPSHOT_VERSION,
      meetingId: this.meetingId,
      title: this.#options.title,
      takenAt: now,
      items: this.#items.map(({ speakingMs, ...item }) => ({
        itemId: item.itemId,
        title: item.title,
        presenter: item.presenter,
        plannedMinutes: item.plannedMinutes,
        notes: item.notes,
        status: item.status,
        elapsedMs: item.elapsedMs,
        speakingMs: [...speakingMs].map(([memberId, ms]) => ({ memberId, ms })),
      })),
      currentItemId: this.#current?.itemId ?? null,
      currentSince: this.#currentSince,
      floor: {
        speaker: this.#speaker,
        since: this.#speakerSince,
        speakingFrom: this.#speakingFrom,
        queue: [...this.#queue],
      },
      vote:
        vote === null
          ? null
          : {
              voteId: vote.voteId,
              motion: vote.motion,
              options: [...vote.options],
              secret: vote.secret,
              itemId: vote.itemId,
              openedAt: vote.openedAt,
              eligible: vote.eligible,
              quorum: vote.quorum,
              ballots: [...vote.ballots].map(([memberId, ballot]) => ({ memberId, ...ballot })),
            },
      results: this.#results.map((result) => structuredClone(result)),
      recording: this.#recording && { ...this.#recording },
      minutes: [...this.#minutes].map(([itemId, m]) => ({ itemId, ...m })),
      attendance: this.#attendance.map((span) => ({ ...span })),
      present: [...this.#present.values()].map((span) => ({ ...span })),
      // A budget whose minute is over counts as none: only the running ones are kept.
      refusals: [...this.#refusals]
        .filter(([, budget]) => now - budget.since < MINUTE_MS)
        .map(([memberId, budget]) => ({ memberId, ...budget })),
      ended: this.#ended,
      journal:
        journal === null
          ? null
          : {
              sessionId: journal.sessionId,
              head: head === undefined ? null : { seq: head.seq, hash: head.hash },
            },
    };
  }

  // ---- internals ----

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
    let budget = this.#refusals.get(actor.memberId);
    if (budget === undefined || now - budget.since >= MINUTE_MS) {
      budget = { since: now, count: 0 };
      this.#refusals.set(actor.memberId, budget);
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
      ...this.#who(actor),
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
    const vote = this.#vote;
    void this.#note('session-started', {
      meetingId: this.meetingId,
      title: this.#options.title,
      agenda: this.#items.map(({ itemId, title, status, elapsedMs }) => ({
        itemId,
        title,
        status,
        elapsedMs,
      })),
      currentItemId: this.#current?.itemId ?? null,
      openVote: vote === null ? null : { ...openVoteOf(vote), voted: vote.ballots.size },
      recordingId: this.#recording?.recordingId ?? null,
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

  #who(member: { memberId: string; displayName: string; role: MemberRole }): JournalData {
    return { memberId: member.memberId, displayName: member.displayName, role: member.role };
  }

  #openSpan(member: CommitteeActor, now: number): void {
    const span: Span = {
      memberId: member.memberId,
      displayName: member.displayName,
      role: member.role,
      joinedAt: now,
      leftAt: null,
    };
    this.#attendance.push(span);
    this.#present.set(member.memberId, span);
    if (this.#attendance.length > MAX_ATTENDANCE) {
      const oldestClosed = this.#attendance.findIndex((s) => s.leftAt !== null);
      this.#attendance.splice(oldestClosed >= 0 ? oldestClosed : 0, 1);
    }
  }

  #closeSpan(memberId: string, now: number): void {
    const span = this.#present.get(memberId);
    if (span) {
      span.leftAt = now;
      this.#present.delete(memberId);
    }
  }

  #requireChair(actor: CommitteeActor, what: string): void {
    if (!isChair(actor.role)) {
      throw forbidden(`only the chair (the host) can ${what}`);
    }
  }

  #item(itemId: string): ItemState {
    const item = this.#items.find((i) => i.itemId === itemId);
    if (!item) {
      throw notFound('no such agenda item');
    }
    return item;
  }

  #openVote(voteId: string): VoteState {
    if (this.#vote?.voteId === voteId) {
      return this.#vote;
    }
    if (this.#closedVotes.has(voteId)) {
      throw conflict('this vote is closed');
    }
    throw notFound('no such vote');
  }

  /** Counts the speaker's time so far on the current item. */
  #countSpeaking(now: number): void {
    const speaker = this.#speaker;
    const item = this.#current;
    if (speaker !== null && this.#speakingFrom !== null && item !== null) {
      item.speakingMs.set(speaker, (item.speakingMs.get(speaker) ?? 0) + (now - this.#speakingFrom));
    }
    this.#speakingFrom = speaker === null ? null : now;
  }

  #clearFloor(now: number): void {
    this.#countSpeaking(now);
    this.#speaker = null;
    this.#speakerSince = null;
    this.#speakingFrom = null;
  }

  /** The agenda-closed entry of `item` closing at `now` (its totals as they will be). */
  #closingData(item: ItemState, now: number, actor: CommitteeActor): JournalData {
    const speakingMs = Object.fromEntries(item.speakingMs);
    if (this.#speaker !== null && this.#speakingFrom !== null) {
      speakingMs[this.#speaker] = (speakingMs[this.#speaker] ?? 0) + (now - this.#speakingFrom);
    }
    return {
      itemId: item.itemId,
      elapsedMs: item.elapsedMs + (now - (this.#currentSince ?? now)),
      speakingMs,
      by: actor.memberId,
    };
  }

  #closeCurrent(now: number): void {
    const item = this.#current;
    if (item === null) {
      return;
    }
    this.#countSpeaking(now);
    item.elapsedMs += now - (this.#currentSince ?? now);
    item.status = 'closed';
    this.#current = null;
    this.#currentSince = null;
  }
}

function openVoteOf(vote: VoteState): OpenVote {
  return {
    voteId: vote.voteId,
    motion: vote.motion,
    options: [...vote.options],
    secret: vote.secret,
    itemId: vote.itemId,
    openedAt: vote.openedAt,
    eligible: vote.eligible,
    quorum: vote.quorum,
    voted: [...vote.ballots.keys()],
  };
}

/** The result of a vote closing at `closedAt`. */
function tally(vote: VoteState, closedAt: number): VoteResult {
  const counts: Record<string, number> = Object.fromEntries(vote.options.map((option) => [option, 0]));
  for (const { choice } of vote.ballots.values()) {
    counts[choice] = (counts[choice] ?? 0) + 1;
  }
  const cast = vote.ballots.size;
  const quorumReached = cast >= vote.quorum;
  const inFavour = counts[vote.options[0]!] ?? 0;
  const against = counts[vote.options[1]!] ?? 0;
  let outcome: VoteResult['outcome'] = 'no-quorum';
  if (quorumReached) {
    outcome = inFavour > against ? 'adopted' : 'rejected';
  }
  return {
    voteId: vote.voteId,
    motion: vote.motion,
    options: [...vote.options],
    secret: vote.secret,
    itemId: vote.itemId,
    openedAt: vote.openedAt,
    closedAt,
    eligible: vote.eligible,
    quorum: vote.quorum,
    cast,
    quorumReached,
    tally: counts,
    ballots: vote.secret
      ? null
      : [...vote.ballots].map(([memberId, { displayName, choice }]) => ({ memberId, displayName, choice })),
    outcome,
  };
}
