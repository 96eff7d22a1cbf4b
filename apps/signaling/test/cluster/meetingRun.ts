/**
 * The model and the steps of the cluster property (properties.test.ts): a
 * scenario (each guest's token, then up to MAX_STEPS steps by several people
 * on several nodes), what the rules say each step must answer (waitingReason
 * in socket/admission.ts, permissions.ts), and the invariants checked in Redis after
 * each step.
 */
import fc from 'fast-check';
import type { RedisClientType } from 'redis';
import type { MemberRole } from '@confidentiel/protocol';
import { sleep } from '../support/harness.ts';
import type { Bot, BotFactory, Endpoint } from './bots.ts';

/** Steps per run (the first is the host's arrival). */
export const MAX_STEPS = 20;
/** What a step changed reaches every node, Redis and the bots within this. */
const SETTLE_MS = 3_000;
/** Events a step causes (admitted, roomClosed, chat) arrive within this. */
const EVENT_MS = 3_000;
/** Members other than the host. */
const GUESTS = 5;
const CHAT = 'c2VhbGVkLWNoYXQtbWVzc2FnZQ';

const RANK: Record<MemberRole, number> = { host: 3, 'co-host': 2, participant: 1, observer: 0 };
const isModerator = (role: MemberRole): boolean => role === 'host' || role === 'co-host';

/**
 * A step. `who` and `target` pick among the people the step applies to (modulo
 * their number); a step that applies to nobody is skipped. Moderation steps
 * are mostly a moderator's (`byModerator`), sometimes anyone's (then refused).
 */
export type Action =
  | { kind: 'join'; who: number; node: number }
  | { kind: 'leave'; who: number }
  | { kind: 'disconnect'; who: number }
  | { kind: 'drop'; who: number; node: number }
  | { kind: 'lock'; who: number; byModerator: boolean; locked: boolean }
  | { kind: 'admit'; who: number; byModerator: boolean; target: number }
  | { kind: 'refuse'; who: number; byModerator: boolean; target: number }
  | { kind: 'remove'; who: number; byModerator: boolean; target: number }
  | {
      kind: 'role';
      who: number;
      byModerator: boolean;
      target: number;
      role: 'co-host' | 'participant' | 'observer';
    }
  | { kind: 'chat'; who: number };

const index = fc.nat(20);
const node = fc.nat(2);
const byModerator = fc.oneof(
  { weight: 4, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: fc.constant(false) },
);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('join' as const), who: index, node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), who: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), who: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), who: index, node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('lock' as const),
      who: index,
      byModerator,
      locked: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('admit' as const), who: index, byModerator, target: index }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('refuse' as const), who: index, byModerator, target: index }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), who: index, byModerator, target: index }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('role' as const),
      who: index,
      byModerator,
      target: index,
      role: fc.constantFrom('co-host' as const, 'participant' as const, 'observer' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('chat' as const), who: index }) },
);

export const scenarioArb = fc.record({
  /** Each guest's token: a participant, or a lobby guest (a host must admit them). */
  guests: fc.array(fc.boolean(), { minLength: GUESTS, maxLength: GUESTS }),
  hostNode: node,
  // Long sequences: the interesting states (a lobby, a lock, co-hosts) take several steps to reach.
  actions: fc.array(actionArb, { minLength: MAX_STEPS / 2, maxLength: MAX_STEPS - 1, size: 'max' }),
});
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** What the model believes of one person. */
interface Person {
  readonly name: string;
  readonly lobby: boolean;
  readonly token: ReturnType<BotFactory['token']>;
  /** Current role: the token's, or a moderator's change (it outlives a rejoin). */
  role: MemberRole;
  status: 'out' | 'joined' | 'waiting' | 'removed';
  waitReason: 'admission' | 'locked' | 'no-host' | 'deliberation' | undefined;
  bot: Bot | undefined;
  /** `admitted` events the current bot should have got. */
  admissions: number;
  /** `roomClosed` events the current bot should have got. */
  closings: number;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** One run: a fresh meeting, the scenario's steps, the invariants after each. */
export class Run {
  readonly room: string;
  readonly people: Person[];
  readonly bots: BotFactory;
  readonly trace: string[] = [];
  locked = false;
  readonly #redis: RedisClientType;
  readonly #endpoints: readonly Endpoint[];

  constructor(options: {
    room: string;
    scenario: Scenario;
    bots: BotFactory;
    /** The cluster's Redis, read to check the invariants. */
    redis: RedisClientType;
    /** The nodes, by the index the steps name. */
    endpoints: readonly Endpoint[];
  }) {
    const { room, scenario, bots } = options;
    this.room = room;
    this.bots = bots;
    this.#redis = options.redis;
    this.#endpoints = options.endpoints;
    const make = (name: string, role: MemberRole, lobby: boolean): Person => ({
      name,
      lobby,
      token: bots.token(room, name, { role, lobby }),
      role,
      status: 'out',
      waitReason: undefined,
      bot: undefined,
      admissions: 0,
      closings: 0,
    });
    this.people = [
      make('host', 'host', false),
      ...scenario.guests.map((lobby, i) =>
        make(`${lobby ? 'lobby' : 'guest'}-${i + 1}`, 'participant', lobby),
      ),
    ];
  }

  fail(message: string): never {
    throw new Error(`${message}\n  steps:\n    ${this.trace.join('\n    ')}`);
  }

  /** The answer the rules give to a join now (waitingReason in socket/admission.ts; early entry off). */
  expectedJoin(person: Person): 'joined' | 'admission' | 'locked' | 'no-host' {
    if (person.role === 'host') {
      return 'joined';
    }
    if (person.lobby) {
      return 'admission';
    }
    if (isModerator(person.role)) {
      return 'joined';
    }
    if (this.locked) {
      return 'locked';
    }
    return this.people.some((p) => p.status === 'joined' && isModerator(p.role)) ? 'joined' : 'no-host';
  }

  /** A moderator entered: those who only waited for one are let in. */
  async moderatorEntered(): Promise<void> {
    const waiters = this.people.filter((p) => p.status === 'waiting' && p.waitReason === 'no-host');
    for (const p of waiters) {
      p.admissions++;
      await this.admitted(p);
    }
  }

  async admitted(person: Person): Promise<void> {
    const bot = person.bot!;
    await waitUntil(
      () => bot.seen('admitted').length >= person.admissions,
      EVENT_MS,
      () => this.fail(`${person.name} was not let in`),
    );
    person.status = 'joined';
    person.waitReason = undefined;
    if (isModerator(person.role)) {
      await this.moderatorEntered();
    }
  }

  /** The person is out for good (removed or refused): told why, disconnected by the server. */
  async closed(person: Person, reason: string): Promise<void> {
    const bot = person.bot!;
    person.closings++;
    await waitUntil(
      () => bot.seen<{ reason: string }>('roomClosed').some((e) => e.reason === reason),
      EVENT_MS,
      () => this.fail(`${person.name} was not told ${reason}`),
    );
    bot.close();
    person.bot = undefined;
    person.status = 'removed';
    person.waitReason = undefined;
  }

  async step(action: Action): Promise<void> {
    const pick = <T>(list: T[], i: number): T | undefined => list[i % Math.max(1, list.length)];
    const present = this.people.filter(
      (p) => p.bot !== undefined && (p.status === 'joined' || p.status === 'waiting'),
    );
    const joined = this.people.filter((p) => p.bot !== undefined && p.status === 'joined');
    const waiting = this.people.filter((p) => p.bot !== undefined && p.status === 'waiting');
    // The actor of a moderation step: a moderator if asked and there is one, else anyone in the room.
    const actorOf = (a: { who: number; byModerator: boolean }): Person | undefined => {
      const moderators = joined.filter((p) => isModerator(p.role));
      return pick(a.byModerator && moderators.length > 0 ? moderators : joined, a.who);
    };
    switch (action.kind) {
      case 'join': {
        const person = pick(
          this.people.filter((p) => p.bot === undefined),
          action.who,
        );
        if (!person) {
          return;
        }
        const at = this.#endpoints[action.node]!;
        this.trace.push(`${person.name} joins on ${at.id}`);
        if (person.status === 'removed') {
          const answer = await this.bots.tryJoin(at, person.token);
          if (answer !== 'removed') {
            this.fail(`${person.name}, removed, got ${answer} on ${at.id}`);
          }
          return;
        }
        const expected = this.expectedJoin(person);
        person.bot = await this.bots.connectWith(at, person.name, person.token);
        person.admissions = 0;
        person.closings = 0;
        const answer = await person.bot.join();
        const got = answer.status === 'joined' ? 'joined' : answer.reason;
        if (got !== expected) {
          this.fail(`${person.name} (${person.role}) joining got ${got}, expected ${expected}`);
        }
        // In the room or its lobby, a first broadcast comes (roomUpdated): the offset a recovery resumes from.
        const bot = person.bot;
        await waitUntil(
          () => bot.seen('roomUpdated').length > 0,
          EVENT_MS,
          () => this.fail(`${person.name} got no first broadcast: a dropped connection could not recover`),
        );
        if (answer.status === 'joined') {
          person.status = 'joined';
          if (isModerator(person.role)) {
            await this.moderatorEntered();
          }
        } else {
          person.status = 'waiting';
          person.waitReason = answer.reason;
        }
        return;
      }
      case 'leave': {
        const person = pick(present, action.who);
        if (!person) {
          return;
        }
        this.trace.push(`${person.name} leaves`);
        const ack = await person.bot!.request('leave', {});
        if (!ack.ok) {
          this.fail(`${person.name}'s leave refused: ${ack.error.reason}`);
        }
        person.bot!.close();
        person.bot = undefined;
        person.status = 'out';
        person.waitReason = undefined;
        return;
      }
      case 'disconnect': {
        const person = pick(present, action.who);
        if (!person) {
          return;
        }
        this.trace.push(`${person.name} closes the tab`);
        person.bot!.close();
        person.bot = undefined;
        person.status = 'out';
        person.waitReason = undefined;
        return;
      }
      case 'drop': {
        const person = pick(present, action.who);
        if (!person) {
          return;
        }
        const bot = person.bot!;
        const to = this.#endpoints[action.node]!;
        this.trace.push(`${person.name}'s transport drops; back on ${to.id}`);
        const before = bot.connects.length;
        const id = bot.socket.id;
        bot.route = () => to;
        bot.socket.io.engine.close();
        const back = await bot.reconnected(before, 5_000);
        if (!back.recovered || back.socketId !== id) {
          this.fail(`${person.name} was not recovered on ${to.id} (${JSON.stringify(back)})`);
        }
        return;
      }
      case 'lock': {
        const actor = actorOf(action);
        if (!actor) {
          return;
        }
        this.trace.push(`${actor.name} (${actor.role}) ${action.locked ? 'locks' : 'unlocks'}`);
        const ack = await actor.bot!.request('setRoomLocked', { locked: action.locked });
        this.expectAllowed(ack, isModerator(actor.role), actor);
        if (ack.ok) {
          this.locked = action.locked;
        }
        return;
      }
      case 'admit':
      case 'refuse': {
        const actor = actorOf(action);
        const target = pick(waiting, action.target);
        if (!actor || !target) {
          return;
        }
        this.trace.push(`${actor.name} (${actor.role}) ${action.kind}s ${target.name}`);
        const ack =
          action.kind === 'admit'
            ? await actor.bot!.request('admit', { memberIds: [target.token.memberId] })
            : await actor.bot!.request('refuseEntry', { memberId: target.token.memberId });
        this.expectAllowed(ack, isModerator(actor.role), actor);
        if (!ack.ok) {
          return;
        }
        if (action.kind === 'admit') {
          target.admissions++;
          await this.admitted(target);
        } else {
          await this.closed(target, 'admission-refused');
        }
        return;
      }
      case 'remove': {
        const actor = actorOf(action);
        const target = pick(
          present.filter((p) => p !== actor),
          action.target,
        );
        if (!actor || !target) {
          return;
        }
        this.trace.push(
          `${actor.name} (${actor.role}) removes ${target.name} (${target.status}, ${target.role})`,
        );
        const ack = await actor.bot!.request('removeMember', { memberId: target.token.memberId });
        // A waiting guest is turned away by any moderator; a member only by someone above them.
        const allowed =
          isModerator(actor.role) && (target.status === 'waiting' || RANK[target.role] < RANK[actor.role]);
        this.expectAllowed(ack, allowed, actor);
        if (ack.ok) {
          await this.closed(target, target.status === 'waiting' ? 'admission-refused' : 'removed');
        }
        return;
      }
      case 'role': {
        const actor = actorOf(action);
        const target = pick(
          joined.filter((p) => p !== actor),
          action.target,
        );
        if (!actor || !target) {
          return;
        }
        this.trace.push(`${actor.name} (${actor.role}) makes ${target.name} (${target.role}) ${action.role}`);
        const ack = await actor.bot!.request('setMemberRole', {
          memberId: target.token.memberId,
          role: action.role,
        });
        const allowed =
          isModerator(actor.role) &&
          RANK[target.role] < RANK[actor.role] &&
          RANK[action.role] < RANK[actor.role];
        this.expectAllowed(ack, allowed, actor);
        if (ack.ok) {
          target.role = action.role;
        }
        return;
      }
      case 'chat': {
        const actor = pick(present, action.who);
        if (!actor) {
          return;
        }
        this.trace.push(`${actor.name} (${actor.status}) chats`);
        const others = joined.filter((p) => p !== actor);
        const counts = others.map((p) => p.bot!.seen('chatMessage').length);
        const ack = await actor.bot!.request('sendChat', { ciphertext: CHAT });
        if (actor.status === 'waiting') {
          if (ack.ok || ack.error.reason !== 'not-admitted') {
            this.fail(`${actor.name}, waiting, chatted: ${JSON.stringify(ack)}`);
          }
          return;
        }
        if (!ack.ok) {
          this.fail(`${actor.name}'s chat refused: ${ack.error.reason}`);
        }
        // Every other member, on whichever node, gets it.
        for (const [i, p] of others.entries()) {
          await waitUntil(
            () => p.bot!.seen('chatMessage').length > counts[i]!,
            EVENT_MS,
            () => this.fail(`${p.name} did not get ${actor.name}'s chat`),
          );
        }
        return;
      }
      default: {
        const never: never = action;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  }

  expectAllowed(ack: { ok: boolean; error?: { reason: string } }, allowed: boolean, actor: Person): void {
    if (allowed && !ack.ok) {
      this.fail(`${actor.name} (${actor.role}) was refused: ${ack.error?.reason}`);
    }
    if (!allowed && (ack.ok || ack.error?.reason !== 'forbidden')) {
      this.fail(`${actor.name} (${actor.role}) was not refused 'forbidden': ${JSON.stringify(ack)}`);
    }
  }

  /** A room nobody is in or waiting for is forgotten, its lock with it (RoomState's dropIfEmpty, both engines). */
  forgetIfEmpty(): void {
    if (!this.people.some((p) => p.status === 'joined' || p.status === 'waiting')) {
      this.locked = false;
    }
  }

  /** The invariants, once what the last step started has settled (each within SETTLE_MS). */
  async checkInvariants(): Promise<void> {
    const nodeIds = this.#endpoints.map((n) => n.id);
    const members = this.people.filter((p) => p.status === 'joined').map((p) => p.token.memberId);
    const waiting = this.people.filter((p) => p.status === 'waiting').map((p) => p.token.memberId);
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const [inRoom, inLobby, sessions, owner, locked] = await Promise.all([
        this.#redis.hKeys(`room:${this.room}:members`),
        this.#redis.hKeys(`room:${this.room}:waiting`),
        this.#redis.hKeys(`meeting:${this.room}:sessions`),
        this.#redis.get(`meeting:${this.room}:owner`),
        this.#redis.hGet(`room:${this.room}:meta`, 'locked'),
      ]);
      const problems: string[] = [];
      if (!sameSet(inRoom, members)) {
        problems.push(`members ${this.names(inRoom)} ≠ joined and connected ${this.names(members)}`);
      }
      if (!sameSet(inLobby, waiting)) {
        problems.push(`lobby ${this.names(inLobby)} ≠ waiting ${this.names(waiting)}`);
      }
      if (!sameSet(sessions, [...members, ...waiting])) {
        problems.push(
          `replicated sessions ${this.names(sessions)} ≠ ${this.names([...members, ...waiting])}`,
        );
      }
      if (members.length + waiting.length > 0 && (owner === null || !nodeIds.includes(owner))) {
        problems.push(`owner ${owner}`);
      }
      if ((locked === '1') !== this.locked) {
        problems.push(`locked ${locked === '1'}, expected ${this.locked}`);
      }
      for (const p of this.people) {
        // Nobody let in, or shown out, without a step that did it.
        if (p.bot && p.bot.seen('admitted').length !== p.admissions) {
          problems.push(`${p.name} got ${p.bot.seen('admitted').length} admitted, expected ${p.admissions}`);
        }
        if (p.bot && p.bot.seen('roomClosed').length !== p.closings) {
          problems.push(`${p.name} got roomClosed ${JSON.stringify(p.bot.seen('roomClosed'))}`);
        }
      }
      if (problems.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        this.fail(`after ${SETTLE_MS} ms: ${problems.join('; ')}`);
      }
      await sleep(25);
    }
  }

  /** At the end: every removed person's token is refused on every node. */
  async checkRevocations(): Promise<void> {
    for (const person of this.people.filter((p) => p.status === 'removed')) {
      for (const at of this.#endpoints) {
        const answer = await this.bots.tryJoin(at, person.token);
        if (answer !== 'removed') {
          this.fail(`${person.name}, removed, got ${answer} on ${at.id}`);
        }
      }
    }
  }

  names(ids: readonly string[]): string {
    return `[${ids
      .map((id) => this.people.find((p) => p.token.memberId === id)?.name ?? id.slice(0, 6))
      .sort()
      .join(', ')}]`;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, onTimeout: () => never): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      onTimeout();
    }
    await sleep(15);
  }
}
