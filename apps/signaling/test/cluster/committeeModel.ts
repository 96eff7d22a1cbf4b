/**
 * The model of the committee property (committee-properties.test.ts): what it believes of the
 * members and of the room as the answers come (committeeRules.ts says what each request must
 * answer), the journal entries each answer implies, and the state members must read.
 */
import type { CommitteeState, MemberRole } from '@confidentiel/protocol';
import type { Bot, BotFactory } from './bots.ts';
import { mayTakeFloor } from './committeeRules.ts';
import { OPTIONS, type ActorPick, type VotePick } from './committeeScenario.ts';

/** What the model believes of one member. */
export interface Person {
  readonly name: string;
  readonly token: ReturnType<BotFactory['token']>;
  role: MemberRole;
  bot: Bot;
  /** Index of the node the current connection went to. */
  node: number;
}

export interface VoteModel {
  voteId: string;
  label: string;
  secret: boolean;
  /** Member id → choice, in the order they were cast. */
  ballots: Map<string, string>;
}

/** A journal entry the run expects: its key, and whether a request wrote it (its order is then known). */
export interface Expected {
  key: string;
  byRequest: boolean;
}

/**
 * What the model believes of one committee meeting: its members, agenda, floor, votes, minutes and
 * recording, and the journal entries they imply. The rules read it to say what each request must
 * answer; only an answer (or a member's arrival or departure) changes it, through the methods below.
 */
export class CommitteeModel {
  readonly people: Person[] = [];
  /** Agenda item ids as prepared (the order `item` picks in); `order` is the agenda's current order. */
  readonly itemIds: readonly string[];
  order: string[];
  readonly status = new Map<string, 'pending' | 'open' | 'closed'>();
  current: string | null = null;
  speaker: Person | null = null;
  queue: Person[] = [];
  vote: VoteModel | null = null;
  readonly closedVotes: VoteModel[] = [];
  votesOpened = 0;
  recording: { id: string; label: string } | null = null;
  readonly recordingLabels = new Map<string, string>();
  readonly minutes = new Map<string, number>();
  /** Every entry the journal must hold, in the order the steps caused them. */
  readonly expected: Expected[] = [];

  constructor(itemIds: readonly string[]) {
    this.itemIds = itemIds;
    this.order = [...itemIds];
    for (const id of itemIds) {
      this.status.set(id, 'pending');
    }
  }

  journaled(key: string, byRequest: boolean): void {
    this.expected.push({ key, byRequest });
  }

  /** The acting member: someone entitled to (by `entitled`) when asked and there is one, else anyone. */
  actor(pick: ActorPick, entitled: (role: MemberRole, person: Person) => boolean): Person {
    const candidates = pick.entitled ? this.people.filter((p) => entitled(p.role, p)) : [];
    const among = candidates.length > 0 ? candidates : this.people;
    return among[pick.who % among.length]!;
  }

  /** The vote a step names: the open one, else the last closed one, else none (an unknown id). */
  pickVote(pick: VotePick): VoteModel | undefined {
    const lastClosed = this.closedVotes[this.closedVotes.length - 1];
    if (pick === 'unknown') {
      return undefined;
    }
    if (pick === 'closed') {
      return lastClosed ?? this.vote ?? undefined;
    }
    return this.vote ?? lastClosed;
  }

  label(itemId: string): string {
    const i = this.itemIds.indexOf(itemId);
    return i >= 0 ? `item${i + 1}` : `?${itemId}`;
  }

  nameOf(memberId: unknown): string {
    return this.people.find((p) => p.token.memberId === memberId)?.name ?? `?${String(memberId)}`;
  }

  // ---- what an answer implies ----

  /** `p` joined (their first arrival, or again after leaving): the hook journals it. */
  joined(p: Person): void {
    this.journaled(`member-joined:${p.name}:${p.role}`, false);
  }

  /** `p` left: the floor is withdrawn if theirs, their hand lowered, and the hook journals it. */
  left(p: Person): void {
    if (this.speaker === p) {
      this.journaled(`floor-withdrawn:${p.name}:left`, false);
      this.speaker = null;
    }
    this.queue = this.queue.filter((q) => q !== p);
    this.journaled(`member-left:${p.name}`, false);
  }

  itemOpened(itemId: string): void {
    if (this.current !== null) {
      this.journaled(`agenda-closed:${this.label(this.current)}`, true);
      this.status.set(this.current, 'closed');
    }
    this.journaled(`agenda-opened:${this.label(itemId)}:${this.status.get(itemId) === 'closed'}`, true);
    this.status.set(itemId, 'open');
    this.current = itemId;
  }

  itemClosed(itemId: string): void {
    this.journaled(`agenda-closed:${this.label(itemId)}`, true);
    this.status.set(itemId, 'closed');
    this.current = null;
  }

  reordered(itemIds: string[]): void {
    this.journaled(`agenda-reordered:${itemIds.map((id) => this.label(id)).join(',')}`, true);
    this.order = itemIds;
  }

  handRaised(p: Person): void {
    this.journaled(`hand-raised:${p.name}`, true);
    this.queue.push(p);
  }

  handLowered(p: Person): void {
    this.journaled(`hand-lowered:${p.name}`, true);
    this.queue = this.queue.filter((q) => q !== p);
  }

  floorGiven(target: Person): void {
    this.journaled(`floor-given:${target.name}:${this.speaker?.name ?? 'nobody'}`, true);
    this.speaker = target;
    this.queue = this.queue.filter((p) => p !== target);
  }

  /** The chair withdrew the floor from `speaker`. */
  floorWithdrawn(speaker: Person): void {
    this.journaled(`floor-withdrawn:${speaker.name}:chair`, true);
    this.speaker = null;
  }

  voteOpened(voteId: string, secret: boolean): void {
    const label = `vote${++this.votesOpened}`;
    this.vote = { voteId, label, secret, ballots: new Map() };
    this.journaled(`vote-opened:${label}:${secret}`, true);
  }

  ballotCast(vote: VoteModel, voter: Person, choice: string): void {
    vote.ballots.set(voter.token.memberId, choice);
    // A secret ballot's entry says who voted, never what.
    this.journaled(`vote-cast:${vote.label}:${voter.name}:${vote.secret ? 'secret' : choice}`, true);
  }

  voteClosed(vote: VoteModel): void {
    this.journaled(`vote-closed:${vote.label}:${vote.ballots.size}`, true);
    this.closedVotes.push(vote);
    this.vote = null;
  }

  minutesSaved(itemId: string, revision: number): void {
    this.journaled(`minutes-saved:${this.label(itemId)}:${revision}`, true);
    this.minutes.set(itemId, revision);
  }

  /** The recording `id` started, or (null) the running one stopped. */
  recordingSet(id: string | null): void {
    const running = this.recording;
    if (id !== null) {
      const label = `rec${this.recordingLabels.size + 1}`;
      this.recordingLabels.set(id, label);
      this.recording = { id, label };
      this.journaled(`recording-started:${label}`, true);
    } else if (running !== null) {
      this.journaled(`recording-stopped:${running.label}`, true);
      this.recording = null;
    }
  }

  /** A moderator made `target` `role`: the hook journals it; one who may not take the floor loses it. */
  roleChanged(target: Person, role: MemberRole): void {
    const from = target.role;
    target.role = role;
    this.journaled(`member-role-changed:${target.name}:${from}>${role}`, false);
    if (!mayTakeFloor(role)) {
      this.queue = this.queue.filter((p) => p !== target);
      if (this.speaker === target) {
        this.journaled(`floor-withdrawn:${target.name}:role-changed`, false);
        this.speaker = null;
      }
    }
  }

  // ---- what members must read ----

  /** The tally `vote` must close with: its ballots, counted by option. */
  tallyOf(vote: VoteModel): Record<string, number> {
    const tally: Record<string, number> = Object.fromEntries(OPTIONS.map((o) => [o, 0]));
    for (const choice of vote.ballots.values()) {
      tally[choice] = (tally[choice] ?? 0) + 1;
    }
    return tally;
  }

  /** The committee state the model expects, in the model's terms (labels and names). */
  view(): unknown {
    const vote = this.vote;
    return {
      order: this.order.map((id) => `${this.label(id)}:${this.status.get(id)}`),
      current: this.current === null ? null : this.label(this.current),
      speaker: this.speaker?.name ?? null,
      queue: this.queue.map((p) => p.name),
      vote: vote && { voteId: vote.voteId, voted: [...vote.ballots.keys()].map((id) => this.nameOf(id)) },
      results: this.closedVotes.map((v) => v.voteId),
      recording: this.recording?.id ?? null,
      minutes: sortKeys(Object.fromEntries([...this.minutes].map(([id, r]) => [this.label(id), r]))),
    };
  }

  /** A committee state a member read, in the same terms as `view`. */
  viewOf(state: CommitteeState): unknown {
    return {
      order: state.agenda.map((item) => `${this.label(item.itemId)}:${item.status}`),
      current: state.currentItemId === null ? null : this.label(state.currentItemId),
      speaker: state.floor.speaker === null ? null : this.nameOf(state.floor.speaker),
      queue: state.floor.queue.map((id) => this.nameOf(id)),
      vote: state.vote && {
        voteId: state.vote.voteId,
        voted: state.vote.voted.map((id) => this.nameOf(id)),
      },
      results: state.results.map((r) => r.voteId),
      recording: state.recording.recordingId,
      minutes: sortKeys(
        Object.fromEntries(Object.entries(state.minutes).map(([id, m]) => [this.label(id), m.revision])),
      ),
    };
  }
}

export function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
