/**
 * The steps of the committee property (committee-properties.test.ts): one run spreads the members of
 * a fresh committee meeting over the nodes, drives their bots through a scenario
 * (committeeScenario.ts), checks each answer against the one the rules give for what the model
 * believes (committeeRules.ts, committeeModel.ts), and, once the session is over, the meeting's
 * journal file against the entries the answers imply (committeeJournalCheck.ts).
 */
import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type {
  CommitteeState,
  RequestOf,
  ResponseOf,
  committeeRequests,
  roomRequests,
} from '@confidentiel/protocol';
import { sleep } from '../support/harness.ts';
import type { Bot, BotFactory, Endpoint } from './bots.ts';
import { checkFence, checkJournal, closedJournal, journalPath, type Fail } from './committeeJournalCheck.ts';
import { CommitteeModel, sortKeys, type Expected, type Person } from './committeeModel.ts';
import { isChair, isModerator, isSecretary, mayVote, refusalOf } from './committeeRules.ts';
import {
  BAD_CHOICE,
  CAST,
  OPTIONS,
  ORDERS,
  SEALED,
  UNKNOWN_VOTE,
  type Action,
  type Scenario,
} from './committeeScenario.ts';

/** A hook's effect (a role change, an arrival) reaches the committee room within this. */
const SETTLE_MS = 3_000;

/** An answer as a bot receives it (bots.ts). */
type Answer<T> = { ok: true; data: T } | { ok: false; error: { reason: string; message: string } };

type CommitteeName = keyof typeof committeeRequests & keyof typeof roomRequests;

/** One run: a fresh committee meeting, its members spread over the nodes, the steps, the journal check. */
export class CommitteeRun {
  readonly room: string;
  readonly people: Person[];
  readonly trace: string[] = [];
  /** Every entry the journal must hold, in the order the steps caused them. */
  readonly expected: readonly Expected[];
  /** Answers by request kind: accepted and refused, for the report. */
  readonly answers = new Map<string, { accepted: number; refused: number }>();
  /** What the model believes of the meeting: the rules read it to say what each request must answer. */
  readonly #model: CommitteeModel;
  readonly #bots: BotFactory;
  readonly #redis: RedisClientType;
  readonly #endpoints: readonly Endpoint[];
  readonly #dataDir: string;
  readonly #publicKeyPem: string;
  readonly #offset: number;
  readonly #fail: Fail = (message) => this.fail(message);

  constructor(options: {
    room: string;
    itemIds: readonly string[];
    scenario: Scenario;
    bots: BotFactory;
    redis: RedisClientType;
    endpoints: readonly Endpoint[];
    /** The cluster's DATA_DIR, where the journals are. */
    dataDir: string;
    publicKeyPem: string;
  }) {
    this.room = options.room;
    this.#model = new CommitteeModel(options.itemIds);
    this.people = this.#model.people;
    this.expected = this.#model.expected;
    this.#bots = options.bots;
    this.#redis = options.redis;
    this.#endpoints = options.endpoints;
    this.#dataDir = options.dataDir;
    this.#publicKeyPem = options.publicKeyPem;
    this.#offset = options.scenario.offset;
  }

  fail(message: string): never {
    throw new Error(`${message}\n  room ${this.room}, steps:\n    ${this.trace.join('\n    ')}`);
  }

  /** The node that must own the meeting throughout: the one the chair, first to arrive, entered by. */
  get ownerId(): string {
    return this.#endpoints[this.#offset]!.id;
  }

  /** Everyone arrives, round the nodes from the chair's: each node has members, the owner is one of them. */
  async start(): Promise<void> {
    for (const [i, { name, role }] of CAST.entries()) {
      const at = (this.#offset + i) % this.#endpoints.length;
      const token = this.#bots.token(this.room, name, { role });
      const bot = await this.#arrive(at, name, token);
      const person: Person = { name, token, role, bot, node: at };
      this.people.push(person);
      if (i === 0) {
        // The first arrival opens the session.
        this.#model.journaled('session-started', false);
      }
      this.#model.joined(person);
      this.trace.push(`${name} (${role}) joins on ${this.#endpoints[at]!.id}`);
    }
    // Arrivals reach the committee room through hooks, in order: once it shows the last, it has them all.
    await this.#waitPresent(this.people[this.people.length - 1]!, 0);
    await this.checkOwner();
  }

  async checkOwner(): Promise<void> {
    const owner = await this.#redis.get(`meeting:${this.room}:owner`);
    if (owner !== this.ownerId) {
      this.fail(`the meeting's owner is ${owner}, expected ${this.ownerId} (the first arrival's node)`);
    }
  }

  async step(action: Action): Promise<void> {
    const m = this.#model;
    const n = this.people.length;
    const person = (i: number): Person => this.people[i % n]!;
    switch (action.kind) {
      case 'agendaOpen': {
        const a = m.actor(action.actor, isChair);
        const itemId = m.itemIds[action.item % m.itemIds.length]!;
        this.trace.push(`${a.name} (${a.role}) opens ${m.label(itemId)}`);
        const refusal = refusalOf.agendaOpen(m, a, itemId);
        if (!(await this.#committee(a, 'agendaOpen', { itemId }, refusal))) {
          return;
        }
        m.itemOpened(itemId);
        return;
      }
      case 'agendaClose': {
        const a = m.actor(action.actor, isChair);
        const itemId =
          action.current && m.current !== null ? m.current : m.itemIds[action.item % m.itemIds.length]!;
        this.trace.push(`${a.name} (${a.role}) closes ${m.label(itemId)}`);
        const refusal = refusalOf.agendaClose(m, a, itemId);
        if (!(await this.#committee(a, 'agendaClose', { itemId }, refusal))) {
          return;
        }
        m.itemClosed(itemId);
        return;
      }
      case 'agendaReorder': {
        const a = m.actor(action.actor, isChair);
        const order = ORDERS[action.order % ORDERS.length]!.map((i) => m.itemIds[i]!);
        // Leaving an item out is refused by the room (the schema lets the list through).
        const itemIds = action.complete ? order : order.slice(0, 2);
        const labels = itemIds.map((id) => m.label(id)).join(',');
        this.trace.push(`${a.name} (${a.role}) reorders the agenda: ${labels}`);
        const refusal = refusalOf.agendaReorder(a, action.complete);
        if (!(await this.#committee(a, 'agendaReorder', { itemIds }, refusal))) {
          return;
        }
        m.reordered(itemIds);
        return;
      }
      case 'raiseHand': {
        const a = m.actor(action.actor, (_, p) => !m.queue.includes(p) && m.speaker !== p);
        this.trace.push(`${a.name} raises a hand`);
        const refusal = refusalOf.raiseHand(m, a);
        if (!(await this.#committee(a, 'raiseHand', {}, refusal))) {
          return;
        }
        m.handRaised(a);
        return;
      }
      case 'lowerHand': {
        const a = m.actor(action.actor, (_, p) => m.queue.includes(p));
        this.trace.push(`${a.name} lowers a hand`);
        const refusal = refusalOf.lowerHand(m, a);
        if (!(await this.#committee(a, 'lowerHand', {}, refusal))) {
          return;
        }
        m.handLowered(a);
        return;
      }
      case 'giveFloor': {
        const a = m.actor(action.actor, isChair);
        const target = person(action.target);
        this.trace.push(`${a.name} (${a.role}) gives the floor to ${target.name} (${target.role})`);
        const refusal = refusalOf.giveFloor(m, a, target);
        if (!(await this.#committee(a, 'giveFloor', { memberId: target.token.memberId }, refusal))) {
          return;
        }
        m.floorGiven(target);
        return;
      }
      case 'withdrawFloor': {
        const a = m.actor(action.actor, isChair);
        this.trace.push(`${a.name} (${a.role}) withdraws the floor (${m.speaker?.name ?? 'nobody'}'s)`);
        const speaker = m.speaker;
        const refusal = refusalOf.withdrawFloor(m, a);
        if (!(await this.#committee(a, 'withdrawFloor', {}, refusal)) || speaker === null) {
          return;
        }
        m.floorWithdrawn(speaker);
        return;
      }
      case 'openVote': {
        const a = m.actor(action.actor, isChair);
        this.trace.push(`${a.name} (${a.role}) opens a ${action.secret ? 'secret' : 'public'} vote`);
        const refusal = refusalOf.openVote(m, a);
        const opened = await this.#committee(
          a,
          'openVote',
          { motion: `Motion ${m.votesOpened + 1}`, secret: action.secret },
          refusal,
        );
        if (!opened) {
          return;
        }
        m.voteOpened(opened.voteId, action.secret);
        return;
      }
      case 'castVote': {
        const a = m.actor(
          action.actor,
          (role, p) => mayVote(role) && m.vote?.ballots.has(p.token.memberId) === false,
        );
        const vote = m.pickVote(action.vote);
        const choice = OPTIONS[action.choice] ?? BAD_CHOICE;
        this.trace.push(`${a.name} (${a.role}) votes ${choice} on ${vote?.label ?? 'an unknown vote'}`);
        const refusal = refusalOf.castVote(m, a, vote, choice);
        const voteId = vote?.voteId ?? UNKNOWN_VOTE;
        if (!(await this.#committee(a, 'castVote', { voteId, choice }, refusal)) || vote === undefined) {
          return;
        }
        m.ballotCast(vote, a, choice);
        return;
      }
      case 'closeVote': {
        const a = m.actor(action.actor, isChair);
        const vote = m.pickVote(action.vote);
        this.trace.push(`${a.name} (${a.role}) closes ${vote?.label ?? 'an unknown vote'}`);
        const refusal = refusalOf.closeVote(m, a, vote);
        const voteId = vote?.voteId ?? UNKNOWN_VOTE;
        const result = await this.#committee(a, 'closeVote', { voteId }, refusal);
        if (!result || vote === undefined) {
          return;
        }
        const tally = m.tallyOf(vote);
        if (result.cast !== vote.ballots.size || JSON.stringify(result.tally) !== JSON.stringify(tally)) {
          this.fail(
            `${vote.label} closed with ${result.cast} ballots ${JSON.stringify(result.tally)}, expected ${vote.ballots.size} ${JSON.stringify(tally)}`,
          );
        }
        m.voteClosed(vote);
        return;
      }
      case 'saveMinutes': {
        const a = m.actor(action.actor, isSecretary);
        const itemId = m.itemIds[action.item % m.itemIds.length]!;
        const latest = m.minutes.get(itemId) ?? 0;
        // A stale editor names the revision it read (or skips one before the first).
        const revision = action.stale ? (latest === 0 ? 2 : latest) : latest + 1;
        this.trace.push(`${a.name} (${a.role}) saves minutes r${revision} of ${m.label(itemId)}`);
        const refusal = refusalOf.saveMinutes(a, revision, latest);
        const saved = await this.#committee(a, 'saveMinutes', { itemId, revision, sealed: SEALED }, refusal);
        if (!saved) {
          return;
        }
        if (saved.revision !== revision) {
          this.fail(`minutes saved as revision ${saved.revision}, expected ${revision}`);
        }
        m.minutesSaved(itemId, revision);
        return;
      }
      case 'setRecording': {
        const a = m.actor(action.actor, isChair);
        const id = action.on ? randomBytes(16).toString('base64url') : null;
        this.trace.push(`${a.name} (${a.role}) ${action.on ? 'starts' : 'stops'} the recording`);
        const refusal = refusalOf.setRecording(m, a, action.on);
        if (!(await this.#committee(a, 'setRecording', { on: action.on, recordingId: id }, refusal))) {
          return;
        }
        m.recordingSet(id);
        return;
      }
      case 'setRole': {
        const a = m.actor(action.actor, isModerator);
        const others = this.people.filter((p) => p !== a);
        const target = others[action.target % others.length]!;
        const from = target.role;
        this.trace.push(`${a.name} (${a.role}) makes ${target.name} (${from}) ${action.role}`);
        const refusal = refusalOf.setMemberRole(a, target, action.role);
        const since = Date.now();
        const ack = await a.bot.request('setMemberRole', {
          memberId: target.token.memberId,
          role: action.role,
        });
        // A moderation request: its refusal is the room's, not the committee's, and is not journaled.
        this.#check(a, 'setMemberRole', ack, refusal);
        if (!ack.ok) {
          return;
        }
        m.roleChanged(target, action.role);
        // The committee room hears of the change through a hook: the next step waits for it.
        await this.#waitPresent(target, since);
        return;
      }
      case 'rejoin': {
        // Anyone but the chair, who stays: the session and its host go on meanwhile.
        const p = this.people[1 + (action.who % (n - 1))]!;
        const at = action.node % this.#endpoints.length;
        this.trace.push(`${p.name} leaves and joins again on ${this.#endpoints[at]!.id}`);
        const since = Date.now();
        this.#check(p, 'leave', await p.bot.request('leave', {}), null);
        p.bot.close();
        m.left(p);
        p.bot = await this.#arrive(at, p.name, p.token);
        p.node = at;
        // The role a moderator gave outlives the reconnection.
        m.joined(p);
        await this.#waitPresent(p, since);
        return;
      }
      case 'read': {
        const a = person(action.who);
        this.trace.push(`${a.name} on ${this.#endpoints[a.node]!.id} reads ${action.what}`);
        if (action.what === 'committeeState') {
          const state = await this.#committee(a, 'committeeState', {}, null);
          if (state) {
            this.#checkState(state, a);
          }
        } else {
          const minutes = await this.#committee(a, 'getMinutes', {}, null);
          const got = Object.fromEntries((minutes?.items ?? []).map((x) => [m.label(x.itemId), x.revision]));
          const expected = Object.fromEntries([...m.minutes].map(([id, r]) => [m.label(id), r]));
          if (JSON.stringify(sortKeys(got)) !== JSON.stringify(sortKeys(expected))) {
            this.fail(`${a.name} read minutes ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
          }
        }
        return;
      }
      default: {
        const never: never = action;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * While the session runs: one journal file, held under the owner's current fence. Then everyone
   * leaves (the session ends), and the file must hold exactly the entries the answers implied.
   */
  async finish(): Promise<void> {
    const path = await journalPath(this.#dataDir, this.room, this.#fail);
    const fence = Number(await this.#redis.get(`meeting:${this.room}:fence`));
    await checkFence(path, fence, this.#fail);
    // Whichever node a member is on, the answer is the owner's state.
    for (const p of this.people) {
      const state = await this.#committee(p, 'committeeState', {}, null);
      if (state) {
        this.#checkState(state, p);
      }
    }

    for (const p of this.people) {
      this.trace.push(`${p.name} leaves`);
      this.#check(p, 'leave', await p.bot.request('leave', {}), null);
      p.bot.close();
      this.#model.left(p);
    }
    this.#model.journaled('session-ended:room-empty', false);

    const text = await closedJournal(path, this.#fail);
    await checkJournal(text, this.#publicKeyPem, this.#model, this.#fail);
  }

  // ---- internals ----

  /** Sends a committee request and checks the answer; on an expected refusal, the journal owes a `refused`. */
  async #committee<K extends CommitteeName>(
    actor: Person,
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
    refusal: string | null,
  ): Promise<ResponseOf<typeof roomRequests, K> | undefined> {
    const ack = await actor.bot.request(name, payload);
    this.#check(actor, name, ack, refusal);
    if (!ack.ok) {
      // The refusal is journaled (with the actor's role then) before the answer comes.
      this.#model.journaled(`refused:${name}:${refusal}:${actor.name}:${actor.role}`, true);
      return undefined;
    }
    return ack.data;
  }

  #check(actor: Person, name: string, ack: Answer<unknown>, refusal: string | null): void {
    const counts = this.answers.get(name) ?? { accepted: 0, refused: 0 };
    this.answers.set(name, counts);
    if (ack.ok) {
      counts.accepted++;
    } else {
      counts.refused++;
    }
    if (refusal === null && !ack.ok) {
      this.fail(
        `${actor.name} (${actor.role})'s ${name} was refused: ${ack.error.reason} (${ack.error.message})`,
      );
    }
    if (refusal !== null && (ack.ok || ack.error.reason !== refusal)) {
      this.fail(
        `${actor.name} (${actor.role})'s ${name} got ${ack.ok ? 'ok' : ack.error.reason}, expected ${refusal}`,
      );
    }
  }

  async #arrive(at: number, name: string, token: Person['token']): Promise<Bot> {
    const bot = await this.#bots.connectWith(this.#endpoints[at]!, name, token);
    const answer = await bot.join();
    if (answer.status !== 'joined') {
      this.fail(`${name} joining on ${this.#endpoints[at]!.id} got ${answer.status}, expected joined`);
    }
    return bot;
  }

  /**
   * Waits until the committee room shows `person` present in their current role since `since`
   * (an arrival or a role change opens a new attendance span): hooks reach the room after the answer.
   */
  async #waitPresent(person: Person, since: number): Promise<void> {
    const chair = this.people[0]!;
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const ack = await chair.bot.request('committeeState', {});
      const spans = ack.ok ? ack.data.attendance.filter((s) => s.memberId === person.token.memberId) : [];
      const open = spans.filter((s) => s.leftAt === null);
      if (open.length === 1 && open[0]!.role === person.role && open[0]!.joinedAt >= since) {
        return;
      }
      if (Date.now() > deadline) {
        this.fail(
          `the committee room does not show ${person.name} present as ${person.role}: ${JSON.stringify(spans)}`,
        );
      }
      await sleep(25);
    }
  }

  /** The state a member read is the model's (whichever node they are on). */
  #checkState(state: CommitteeState, reader: Person): void {
    const got = this.#model.viewOf(state);
    const expected = this.#model.view();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      this.fail(
        `${reader.name} on ${this.#endpoints[reader.node]!.id} read\n    ${JSON.stringify(got)}\n  expected\n    ${JSON.stringify(expected)}`,
      );
    }
  }
}
