/**
 * Open-loop arrivals: members arrive at a fixed rate whatever the server's
 * answers (evenly spaced, as a steady flow of people clicking « Rejoindre »),
 * each join timed from its scheduled arrival, so a server that falls behind
 * shows it in the latencies instead of slowing the arrivals (no coordinated
 * omission). Members fill rooms of 4 to 10 in turn and leave `dwellMs` after
 * they are in. Every wait is bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ownCpuMs } from '../../core/cpu.ts';
import { BOT_TIMEOUT_MS, type JoinSteps } from './joinBot.ts';

/** Room sizes, in turn: 4, 5, ... 10, 4, ... (7 on average). */
export const ROOM_SIZES = [4, 5, 6, 7, 8, 9, 10] as const;

/** One arrival: which room, and which bot. */
export interface Arrival {
  index: number;
  room: number;
}

/** What a visitor does for one arrival: in (resolves), then a way out. */
export interface Visit {
  steps?: JoinSteps;
  leave: () => Promise<void>;
}

export type Visitor = (arrival: Arrival) => Promise<Visit>;

export interface LoadPlan {
  /** Arrivals per second. */
  rate: number;
  joins: number;
  /** How long a member stays once in. */
  dwellMs: number;
}

export interface LoadResult {
  rate: number;
  /** Join latencies (ms from the scheduled arrival) of the joins that succeeded. */
  latencies: number[];
  /** Steps of the successful joins, in order. */
  steps: JoinSteps[];
  failures: number;
  /** First failure messages, by message. */
  reasons: Map<string, number>;
  /** Wall time from the first arrival until the last member left, ms. */
  wallMs: number;
  /** CPU of this process (the bots) over the run, ms: the load generator's own cost. */
  loadCpuMs: number;
}

/** How many rooms `joins` arrivals fill. */
export function roomsFor(joins: number): number {
  let rooms = 0;
  for (let placed = 0; placed < joins; rooms++) {
    placed += ROOM_SIZES[rooms % ROOM_SIZES.length] as number;
  }
  return rooms;
}

/** The room of each arrival: the first 4 in room 0, the next 5 in room 1, ... */
function roomOf(joins: number): number[] {
  const rooms: number[] = [];
  for (let room = 0; rooms.length < joins; room++) {
    const size = ROOM_SIZES[room % ROOM_SIZES.length] as number;
    for (let i = 0; i < size && rooms.length < joins; i++) {
      rooms.push(room);
    }
  }
  return rooms;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `plan` with `visitor`; resolves once every member left (or the bound passed). */
export async function runOpenLoop(plan: LoadPlan, visitor: Visitor): Promise<LoadResult> {
  const interval = 1000 / plan.rate;
  const rooms = roomOf(plan.joins);
  const latencies: number[] = [];
  const steps: JoinSteps[] = [];
  const reasons = new Map<string, number>();
  let failures = 0;
  const pending: Promise<void>[] = [];
  const cpuBefore = ownCpuMs();
  const start = performance.now();

  const one = async (index: number, due: number): Promise<void> => {
    let visit: Visit;
    try {
      visit = await visitor({ index, room: rooms[index] as number });
    } catch (error) {
      failures++;
      const text = message(error);
      reasons.set(text, (reasons.get(text) ?? 0) + 1);
      return;
    }
    latencies.push(performance.now() - due);
    if (visit.steps) {
      steps.push(visit.steps);
    }
    await sleep(plan.dwellMs);
    await visit.leave();
  };

  for (let index = 0; index < plan.joins; index++) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 1) {
      await sleep(wait);
    }
    pending.push(one(index, due));
  }
  // Each join and leave is bounded by the bots' timeouts; this bounds the whole.
  const bound = BOT_TIMEOUT_MS * 4 + plan.dwellMs + 5_000;
  const all = Promise.all(pending).then(() => 'done' as const);
  if ((await Promise.race([all, sleep(bound).then(() => 'late' as const)])) === 'late') {
    throw new Error(
      `the members of a ${plan.rate}/s run had not all left ${bound} ms after the last arrival`,
    );
  }
  return {
    rate: plan.rate,
    latencies,
    steps,
    failures,
    reasons,
    wallMs: performance.now() - start,
    loadCpuMs: ownCpuMs() - cpuBefore,
  };
}
