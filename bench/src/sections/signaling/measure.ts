/**
 * One measured load on one deployment: the meetings made beforehand (an
 * organiser's act, not a join's), then open-loop joins spread over the
 * deployment's nodes in turn (as the proxy's round robin does), with the
 * CPU of each part of the deployment over the whole run (joins, the
 * members' time in the room, and their leaves).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdentityKeys } from '@confidentiel/protocol';
import { CpuMeter } from '../../core/cpu.ts';
import { percentile } from '../../core/stats.ts';
import { botAddress, createOpenMeeting } from './http.ts';
import { joinMeeting, leaveMeeting, type JoinTarget } from './joinBot.ts';
import { roomsFor, runOpenLoop, type LoadPlan, type LoadResult } from './openLoop.ts';
import { procTimes, timesSince } from './procTimes.ts';

/** A deployment under load: where bots go, and which processes to meter. */
export interface Deployment {
  name: string;
  /** The nodes joins are spread over, in turn. */
  nodes: readonly JoinTarget[];
  /** Process trees metered, by part ("signaling", "SFU", "Redis + PostgreSQL"). */
  parts: ReadonlyArray<{ part: string; pids: readonly number[] }>;
  /** The process whose user and system time are split (signaling, or the first node). */
  mainPid: number;
  /** Counters read before and after a run (Redis commands by name), if the deployment has any. */
  counters?: () => Promise<Map<string, number>>;
}

export interface Measured {
  load: LoadResult;
  joined: number;
  p50: number;
  p99: number;
  failureRate: number;
  /** CPU ms per successful join, by part. */
  cpuPerJoin: Map<string, number>;
  /** The main process's user and system CPU per join. */
  userPerJoin: number;
  systemPerJoin: number;
  /** Busy share of the load core (the bots): near 1, the generator limits the run. */
  loadBusy: number;
  /** The deployment's counters per successful join (e.g. Redis commands by name), if it has any. */
  countersPerJoin: Map<string, number> | null;
}

/** Counts bots over a whole section, so that no two bots share a source address. */
export class BotCounter {
  #next = 0;

  take(): number {
    return this.#next++;
  }
}

export async function measureLoad(
  deployment: Deployment,
  plan: LoadPlan,
  identities: readonly IdentityKeys[],
  bots: BotCounter,
): Promise<Measured> {
  const first = deployment.nodes[0] as JoinTarget;
  const meetings: string[] = [];
  for (let i = 0; i < roomsFor(plan.joins); i++) {
    meetings.push(await createOpenMeeting(first.baseUrl, first.origin));
  }
  const meters = deployment.parts.map(({ part, pids }) => ({ part, meter: new CpuMeter(pids) }));
  for (const { meter } of meters) {
    meter.start();
  }
  const countersBefore = await deployment.counters?.();
  const before = procTimes(deployment.mainPid);
  const load = await runOpenLoop(plan, async ({ index, room }) => {
    const target = deployment.nodes[index % deployment.nodes.length] as JoinTarget;
    const identity = identities[index % identities.length] as IdentityKeys;
    const bot = await joinMeeting(
      target,
      meetings[room] as string,
      `Bot ${index}`,
      botAddress(bots.take()),
      identity,
    );
    return { steps: bot.steps, leave: () => leaveMeeting(bot.socket) };
  });
  const cpu = meters.map(({ part, meter }) => [part, meter.stop()] as const);
  const times = timesSince(deployment.mainPid, before);
  const countersAfter = await deployment.counters?.();
  const joined = load.latencies.length;
  const per = (ms: number): number => (joined > 0 ? ms / joined : Number.NaN);
  let countersPerJoin: Map<string, number> | null = null;
  if (countersBefore && countersAfter) {
    countersPerJoin = new Map(
      [...countersAfter].map(([name, value]) => [name, per(value - (countersBefore.get(name) ?? 0))]),
    );
  }
  return {
    load,
    joined,
    p50: joined > 0 ? percentile(load.latencies, 50) : Number.NaN,
    p99: joined > 0 ? percentile(load.latencies, 99) : Number.NaN,
    failureRate: load.failures / plan.joins,
    cpuPerJoin: new Map(cpu.map(([part, ms]) => [part, per(ms)])),
    userPerJoin: per(times.userMs),
    systemPerJoin: per(times.systemMs),
    loadBusy: load.loadCpuMs / load.wallMs,
    countersPerJoin,
  };
}

/** CPU ms per second each part spends with no load (timers, heartbeats, Redis pings), over `ms`. */
export async function idleCpu(deployment: Deployment, ms: number): Promise<Map<string, number>> {
  const meters = deployment.parts.map(({ part, pids }) => ({ part, meter: new CpuMeter(pids) }));
  for (const { meter } of meters) {
    meter.start();
  }
  await sleep(ms);
  return new Map(meters.map(({ part, meter }) => [part, (meter.stop() * 1000) / ms]));
}
