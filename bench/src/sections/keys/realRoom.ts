/**
 * A room of KeyBots on the real service, and the two events measured on
 * it: a newcomer's join, then that newcomer's leave. Each event's window
 * opens once the membership change has reached everyone (held back until
 * then) and closes when the room is quiet: nothing in flight, no
 * acknowledgement awaited, nothing sent for QUIET_MS. In the window every
 * envelope goes through signaling, at the KeyManager's own pace, as in a
 * browser. Outside it (the room's set-up, and the repair after an event,
 * which hands over the envelopes the server refused) envelopes go from bot
 * to bot in this process: every run starts from the same converged room,
 * and the server's rate limit does not turn the set-up of a room of 100
 * into minutes. Nothing outside a window is measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuMeter, ownCpuMs } from '../../core/cpu.ts';
import type { JoinTarget } from '../signaling/joinBot.ts';
import { KeyBot } from './keyBot.ts';
import { addTraffic, emptyTraffic, type Traffic } from './traffic.ts';

/** No request for this long and no acknowledgement awaited: the exchange is over. */
const QUIET_MS = 300;
/** Bots joining at once during the set-up. */
const JOIN_BATCH = 10;

export interface EventCount {
  /** Members in the room during the event (after the join, before the leave). */
  members: number;
  traffic: Traffic;
  /** Signaling's CPU over the window, ms. */
  serverCpuMs: number;
  /** The bots' CPU over the window (all members, this process), ms. */
  botsCpuMs: number;
  wallMs: number;
  /** Ordered pairs (a, b) where a does not hold b's newest key once the room is quiet. */
  missingPairs: number;
  /** The leaver's `leave` request was refused (it closed anyway): the refusal. */
  leaveRefused?: string;
  /** relayKey requests per member, most first (who sends). */
  perMember: number[];
}

async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

/**
 * Every member sent something since `since` (each does, on a join and on a
 * leave: a key or an acknowledgement); none has a request unanswered, a
 * KeyManager call unfinished or an acknowledgement awaited; and none sent
 * anything for QUIET_MS.
 */
async function quiet(bots: readonly KeyBot[], since: number, timeoutMs: number): Promise<void> {
  await until('the key exchange to settle', timeoutMs, () => {
    const now = performance.now();
    return bots.every(
      (b) =>
        b.lastSendAt > since &&
        b.inFlight === 0 &&
        b.busy === 0 &&
        (b.km?.status.pendingAcks ?? 0) === 0 &&
        now - b.lastSendAt >= QUIET_MS,
    );
  });
}

function missingPairs(bots: readonly KeyBot[]): number {
  let missing = 0;
  for (const a of bots) {
    for (const b of bots) {
      if (a !== b && a.held.get(b.self.memberId) !== b.km?.status.epoch) {
        missing++;
      }
    }
  }
  return missing;
}

export class RealRoom {
  readonly #target: JoinTarget;
  readonly #meetingId: string;
  readonly #serverPid: number;
  readonly #bots: KeyBot[];
  readonly #settleMs: number;
  #newcomer: KeyBot | null = null;
  /** Time spent repairing between events (not measured). */
  repairMs = 0;
  /** What the set-up's key exchange sent (in process). */
  setup: Traffic = emptyTraffic();

  private constructor(target: JoinTarget, meetingId: string, serverPid: number, bots: KeyBot[]) {
    this.#target = target;
    this.#meetingId = meetingId;
    this.#serverPid = serverPid;
    this.#bots = bots;
    // A leave in a room of n sends 2(n-1)(n-2) envelopes: time grows with it.
    this.#settleMs = 30_000 + bots.length * bots.length * 5;
  }

  /** `size` members joined through the server and keyed (converged; envelopes in process). */
  static async build(
    target: JoinTarget,
    meetingId: string,
    serverPid: number,
    size: number,
    nextIndex: () => number,
  ): Promise<RealRoom> {
    const bots: KeyBot[] = [];
    const room = new RealRoom(target, meetingId, serverPid, bots);
    try {
      while (bots.length < size) {
        const batch = Math.min(JOIN_BATCH, size - bots.length);
        bots.push(
          ...(await Promise.all(
            Array.from({ length: batch }, () => KeyBot.join(target, meetingId, nextIndex())),
          )),
        );
      }
      await until('every member to know the room', 20_000, () =>
        bots.every((b) => b.members.size === size - 1),
      );
      room.#direct(bots, true);
      const since = performance.now();
      await Promise.all(bots.map((b) => b.start()));
      await quiet(bots, since, room.#settleMs * 2);
      const setup = emptyTraffic();
      room.#direct(bots, false);
      for (const bot of bots) {
        addTraffic(setup, bot.counter.reset());
      }
      room.setup = setup;
      const missing = missingPairs(bots);
      if (missing > 0) {
        throw new Error(`the room of ${size} did not converge at set-up (${missing} keys missing)`);
      }
      return room;
    } catch (error) {
      room.close();
      throw error;
    }
  }

  /** A newcomer joins (the room then has size + 1 members). */
  async join(index: number): Promise<EventCount> {
    if (this.#newcomer) {
      throw new Error('a newcomer is already in');
    }
    for (const bot of this.#bots) {
      bot.hold();
    }
    const newcomer = await KeyBot.join(this.#target, this.#meetingId, index);
    this.#newcomer = newcomer;
    await until('everyone to hear of the newcomer', 10_000, () => this.#bots.every((b) => b.heldEvents > 0));
    const members = [...this.#bots, newcomer];
    return this.#measure(members, () => {
      for (const bot of this.#bots) {
        bot.release();
      }
      // After the others heard of it, as in the service: memberJoined goes out before the join's answer.
      void newcomer.start();
    });
  }

  /** The newcomer leaves again (the room is back to its size). */
  async leave(): Promise<EventCount> {
    const newcomer = this.#newcomer;
    if (!newcomer) {
      throw new Error('no newcomer to leave');
    }
    const members = [...this.#bots, newcomer];
    for (const bot of this.#bots) {
      bot.hold();
    }
    this.#newcomer = null;
    const refusal = await newcomer.leave();
    await until('everyone to hear of the leave', 10_000, () => this.#bots.every((b) => b.heldEvents > 0));
    const count = await this.#measure(this.#bots, () => {
      for (const bot of this.#bots) {
        bot.release();
      }
    });
    return { ...count, members: members.length, ...(refusal ? { leaveRefused: refusal } : {}) };
  }

  /** Outside the measurements, envelopes between `members` skip the server (set-up, repairs). */
  #direct(members: readonly KeyBot[], on: boolean): void {
    const byId = new Map(members.map((b) => [b.self.memberId, b]));
    for (const bot of members) {
      bot.direct = on ? (id) => byId.get(id) : null;
    }
  }

  close(): void {
    this.#newcomer?.close();
    for (const bot of this.#bots) {
      bot.close();
    }
  }

  async #measure(members: readonly KeyBot[], trigger: () => void): Promise<EventCount> {
    for (const bot of members) {
      bot.counter.reset();
    }
    const server = new CpuMeter([this.#serverPid]);
    server.start();
    const botsBefore = ownCpuMs();
    const started = performance.now();
    trigger();
    await quiet(members, started, this.#settleMs);
    const wallMs = Math.max(...members.map((b) => b.lastSendAt)) - started;
    const serverCpuMs = server.stop();
    const botsCpuMs = ownCpuMs() - botsBefore;
    const traffic = emptyTraffic();
    const perMember: number[] = [];
    for (const bot of members) {
      const own = bot.counter.reset();
      perMember.push(own.relaySent);
      addTraffic(traffic, own);
    }
    perMember.sort((a, b) => b - a);
    const missing = missingPairs(members);
    const repairAt = performance.now();
    await this.#repair(members);
    this.repairMs += performance.now() - repairAt;
    return {
      members: members.length,
      traffic,
      serverCpuMs,
      botsCpuMs,
      wallMs,
      missingPairs: missing,
      perMember,
    };
  }

  /**
   * Outside the window: the envelopes the server refused are sent again,
   * carefully, so that every run starts from the same converged room (a
   * browser would recover its missing keys later, by key requests when
   * frames it cannot open arrive; bots have no frames).
   */
  async #repair(members: readonly KeyBot[]): Promise<void> {
    this.#direct(members, true);
    for (const bot of members) {
      bot.replayLost();
    }
    await until('the repair to settle', this.#settleMs, () => {
      const now = performance.now();
      return members.every(
        (b) =>
          b.inFlight === 0 &&
          b.busy === 0 &&
          (b.km?.status.pendingAcks ?? 0) === 0 &&
          now - b.lastSendAt >= QUIET_MS,
      );
    });
    this.#direct(members, false);
    for (const bot of members) {
      bot.counter.reset();
    }
    const missing = missingPairs(members);
    if (missing > 0) {
      throw new Error(
        `the room of ${members.length} did not converge after the repair (${missing} keys missing)`,
      );
    }
  }
}
