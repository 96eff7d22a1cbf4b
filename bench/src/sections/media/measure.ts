/**
 * One measured run: seat a load in an SFU, let it settle, then count over a
 * window what the subscribers receive (loss, one-way latency) against what
 * the SFU's processes spent (CPU from /proc) and what the load generator
 * spent (its own CPU: when it nears a whole core, the generator is the
 * limit, not the SFU).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownCpuMs, treeCpu } from '../../core/cpu.ts';
import type { LoadPlan, SfuUnderTest } from './driver.ts';
import { Recorder } from './recorder.ts';
import { contextSwitches, coresBusyMs, mainThreadDelayMs, udpDropsByPort } from './kernelStats.ts';
import { Pacer } from './traffic.ts';

export interface RunSettings {
  /** At least this long before the window, then until every expected stream flows (at most `settleMs`). */
  warmupMs: number;
  settleMs: number;
  windowMs: number;
  /** After the window: packets sent inside it and still in flight may arrive (later: lost). */
  graceMs: number;
  /** The pinned cores (coresOf(pinning.sut), coresOf(pinning.load)): what else ran on them is noise. */
  cores: { sut: readonly number[]; load: readonly number[] };
}

export interface RunResult {
  sfu: string;
  plan: LoadPlan;
  /** SFU CPU (ms) over the window, all its processes. */
  sfuCpuMs: number;
  windowMs: number;
  /** Packets the subscribers received that were sent in the window (all streams). */
  forwarded: number;
  /** SFU CPU-µs per forwarded packet. */
  cpuUsPerPacket: number;
  /** Share of one core the SFU used (%). */
  sfuCorePct: number;
  /** The SFU's CPU ms by process ('SFU node process', 'mediasoup worker'; 'janus'): where the time goes. */
  cpuByProcess: Record<string, number>;
  lossPct: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of one core the load generator (this process) used over the window (%). */
  generatorCorePct: number;
  /** The SFU's context switches per forwarded packet over the window (all its threads), and its thread count. */
  switchesPerPacket: number;
  sfuThreads: number;
  /** UDP datagrams the kernel dropped on full receive buffers during the window: at the SFU's sockets, at the bots'. */
  sfuSocketDrops: number;
  botSocketDrops: number;
  /** Share of the window the generator's event loop waited, runnable, for its core (%). */
  generatorWaitPct: number;
  /** Share of the SFU's core and of the generator's core that other processes used (%): the machine's noise. */
  sutCoreOthersPct: number;
  loadCoreOthersPct: number;
  /** Pacer ticks that fell more than 50 ms behind and skipped ahead (generator starved or saturated). */
  lateTicks: number;
  unexpected: number;
  keyFrameRequests: number;
  /** The SFU's own counters over the window (see SfuUnderTest.counters). */
  counters: Record<string, number>;
  /** Setup (bots seated) and warm-up until every expected stream flowed, ms. */
  setupMs: number;
  settleMs: number;
  /** Whether every expected stream flowed before the window (else the window started at `settleMs`'s bound). */
  settled: boolean;
}

/** A stream flows when it delivered a packet this recently (the lowest layer sends every 67 ms). */
const FLOWING_WITHIN_MS = 300;

/** A run whose loss or p99 passes these is past the knee (the thresholds). */
export const KNEE_LOSS_PCT = 1;
export const KNEE_P99_MS = 300;
/** The generator is the limit when it used this share of its core or more. */
export const GENERATOR_SATURATED_PCT = 90;
/** ...or when it waited this share of the window for its core (other processes on the machine). */
export const GENERATOR_STARVED_PCT = 25;

function processName(pid: number): string {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'exited';
  }
  if (command.includes('mediasoup-worker')) {
    return 'mediasoup worker';
  }
  if (command.includes('apps/sfu')) {
    return 'SFU node process';
  }
  return command.includes('janus') ? 'janus' : (command.split(' ')[0] ?? String(pid));
}

/** CPU ms of the trees rooted at `roots` between two reads, by process name. */
function cpuDelta(before: Map<number, number>, after: Map<number, number>): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [pid, ms] of after) {
    const name = processName(pid);
    byName[name] = (byName[name] ?? 0) + ms - (before.get(pid) ?? 0);
  }
  return byName;
}

export function passes(run: RunResult): boolean {
  return run.lossPct <= KNEE_LOSS_PCT && run.p99Ms <= KNEE_P99_MS;
}

/** Whether the generator used (nearly) its whole core: a bigger load would measure the generator. */
export function generatorSaturated(run: RunResult): boolean {
  return run.generatorCorePct >= GENERATOR_SATURATED_PCT;
}

/**
 * Whether a failing run failed on the generator rather than the SFU: a
 * saturated generator; losses where the generator fell behind its schedule
 * (then sent a burst) or where the bots' own sockets dropped; a p99 past the
 * threshold while the generator's event loop waited for its core (it read
 * late). Losses at the SFU's own socket on a steady schedule are the SFU's.
 */
export function failedOnGenerator(run: RunResult): boolean {
  const lossFailed = run.lossPct > KNEE_LOSS_PCT;
  const latencyFailed = run.p99Ms > KNEE_P99_MS;
  return (
    generatorSaturated(run) ||
    (lossFailed && (run.lateTicks > 0 || run.botSocketDrops > run.sfuSocketDrops)) ||
    (latencyFailed && !lossFailed && (run.lateTicks > 0 || run.generatorWaitPct >= GENERATOR_STARVED_PCT))
  );
}

export async function measure(sfu: SfuUnderTest, plan: LoadPlan, settings: RunSettings): Promise<RunResult> {
  const recorder = new Recorder();
  const setupStarted = performance.now();
  const session = await sfu.open(plan, recorder);
  const setupMs = performance.now() - setupStarted;
  const pacer = new Pacer(session.sources);
  try {
    pacer.start();
    const settleStarted = performance.now();
    await sleep(settings.warmupMs);
    const pairs = session.expectations.reduce((n, e) => n + e.streams.length, 0);
    let settled = recorder.flowing(session.expectations, FLOWING_WITHIN_MS) === pairs;
    while (!settled && performance.now() - settleStarted < settings.settleMs) {
      await sleep(250);
      settled = recorder.flowing(session.expectations, FLOWING_WITHIN_MS) === pairs;
    }
    const settleMs = performance.now() - settleStarted;
    const sent = (): Map<number, number> => {
      const counts = new Map<number, number>();
      for (const source of session.sources) {
        for (const stream of source.streams) {
          counts.set(stream, source.sentOn(stream));
        }
      }
      return counts;
    };
    const lateBefore = pacer.lateTicks;
    // Same turn of the event loop: no packet is sent between these lines and the recorder's window.
    const sentBefore = sent();
    recorder.open();
    const cpuBefore = treeCpu(sfu.pids());
    const switchesBefore = contextSwitches(cpuBefore.keys()).switches;
    const ownWaitBefore = mainThreadDelayMs();
    const dropsBefore = udpDropsByPort();
    const sutBusyBefore = coresBusyMs(settings.cores.sut);
    const loadBusyBefore = coresBusyMs(settings.cores.load);
    const countersBefore = sfu.counters?.() ?? {};
    const ownBefore = ownCpuMs();
    const started = performance.now();
    await sleep(settings.windowMs);
    const sentAfter = sent();
    recorder.close();
    const cpuAfter = treeCpu(sfu.pids());
    const switchesAfter = contextSwitches(cpuAfter.keys());
    const cpuByProcess = cpuDelta(cpuBefore, cpuAfter);
    const sfuCpuMs = Object.values(cpuByProcess).reduce((a, b) => a + b, 0);
    const ownMs = ownCpuMs() - ownBefore;
    const ownWaitMs = mainThreadDelayMs() - ownWaitBefore;
    let sfuSocketDrops = 0;
    let botSocketDrops = 0;
    for (const [port, drops] of udpDropsByPort()) {
      const delta = drops - (dropsBefore.get(port) ?? 0);
      if (sfu.ownsPort(port)) {
        sfuSocketDrops += delta;
      } else {
        botSocketDrops += delta;
      }
    }
    const sutOthersMs = coresBusyMs(settings.cores.sut) - sutBusyBefore - sfuCpuMs;
    const loadOthersMs = coresBusyMs(settings.cores.load) - loadBusyBefore - ownMs;
    const counters = Object.fromEntries(
      Object.entries(sfu.counters?.() ?? {}).map(([name, value]) => [
        name,
        value - (countersBefore[name] ?? 0),
      ]),
    );
    const windowMs = performance.now() - started;
    const lateTicks = pacer.lateTicks - lateBefore;
    await sleep(settings.graceMs);
    const result = recorder.result(
      session.expectations.map(({ subscriber, streams }) => ({
        subscriber,
        streams: new Map(streams.map((s) => [s, (sentAfter.get(s) ?? 0) - (sentBefore.get(s) ?? 0)])),
      })),
    );
    const forwarded = recorder.forwarded;
    return {
      sfu: sfu.name,
      plan,
      sfuCpuMs,
      windowMs,
      forwarded,
      cpuUsPerPacket: forwarded === 0 ? Number.NaN : (sfuCpuMs * 1000) / forwarded,
      sfuCorePct: (100 * sfuCpuMs) / windowMs,
      cpuByProcess,
      switchesPerPacket: forwarded === 0 ? Number.NaN : (switchesAfter.switches - switchesBefore) / forwarded,
      sfuThreads: switchesAfter.threads,
      sfuSocketDrops,
      botSocketDrops,
      lossPct: result.lossPct,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      generatorCorePct: (100 * ownMs) / windowMs,
      generatorWaitPct: (100 * ownWaitMs) / windowMs,
      sutCoreOthersPct: Math.max(0, (100 * sutOthersMs) / windowMs),
      loadCoreOthersPct: Math.max(0, (100 * loadOthersMs) / windowMs),
      lateTicks,
      unexpected: result.unexpected,
      keyFrameRequests: session.sources.reduce((n, s) => n + s.keyFrameRequests, 0),
      counters,
      setupMs,
      settleMs,
      settled,
    };
  } finally {
    pacer.stop();
    await session.close();
  }
}
