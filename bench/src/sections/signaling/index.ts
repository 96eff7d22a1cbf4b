/**
 * Issue 13, item 5: signaling. Socket.IO bots do the browser's join flow
 * (joinBot.ts) against the real service, pinned on the system-under-test
 * core: CPU per join of signaling and of the SFU, join latency at a fixed
 * 50 joins/s against a bare Socket.IO server doing the same exchanges (the
 * transport's limit), joins per second sustained on one node, a profile of
 * signaling under that load, and one node against two nodes on Redis.
 */
import { join } from 'node:path';
import type { BenchContext, Section } from '../../core/context.ts';
import type { Figure, Point, SectionResult, Series } from '../../core/figure.ts';
import { startService } from '../../core/service.ts';
import { ratioSummary, summarize } from '../../core/stats.ts';
import { startBenchCluster } from './cluster.ts';
import { startEchoServer } from './echo.ts';
import { makeIdentities } from './joinBot.ts';
import { BotCounter, idleCpu, measureLoad, type Deployment, type Measured } from './measure.ts';
import { signalingNotes } from './notes.ts';
import { profileLoad } from './profileRun.ts';
import { P99_BOUND_MS, runRamp, type Ramp } from './ramp.ts';
import type { SignalingRuns } from './runs.ts';

/** The fixed load: 50 joins per second on one node. */
export const FIXED_RATE = 50;
/**
 * The cluster's load. Two nodes, Redis, PostgreSQL and the SFU share the one
 * system-under-test core here, and a join on Redis costs more CPU than on one
 * node: at 50 joins/s that core saturates and p99 measures the queue, not
 * the cluster. Both sides get the same, lower load.
 */
export const CLUSTER_RATE = 25;
/** Members stay this long once in (rooms of 4 to 10 fill in 0.1-0.2 s at 50/s). */
const DWELL_MS = 1_000;
/** Identity key pairs the bots cycle through (signaling keeps them as opaque public keys). */
const IDENTITIES = 32;
/** How long the idle CPU of a deployment is read before its load. */
const IDLE_MS = 2_000;

function cpu(m: Measured, part: string): number {
  return m.cpuPerJoin.get(part) ?? Number.NaN;
}

async function singleNode(context: BenchContext, runs: SignalingRuns, webDist: string): Promise<void> {
  const { pinning, log } = context;
  const identities = await makeIdentities(IDENTITIES);
  const bots = new BotCounter();
  const plan = { rate: FIXED_RATE, joins: runs.joinsPerRun, dwellMs: DWELL_MS };
  const service = await startService({ root: context.root, pinning, workDir: context.workDir, webDist });
  try {
    const echo = await startEchoServer(pinning);
    try {
      const ours: Deployment = {
        name: 'one node',
        nodes: [{ baseUrl: service.url, origin: service.url }],
        parts: [
          { part: 'signaling', pids: [service.signalingPid] },
          { part: 'SFU', pids: [service.sfuPid] },
        ],
        mainPid: service.signalingPid,
      };
      const bare: Deployment = {
        name: 'bare Socket.IO',
        nodes: [{ baseUrl: echo.url, origin: echo.url }],
        parts: [{ part: 'signaling', pids: [echo.pid] }],
        mainPid: echo.pid,
      };
      runs.idle = await idleCpu(ours, IDLE_MS);
      // Warm-up (JIT, SQLite pages, the SFU's first routers): not measured.
      await measureLoad(ours, { ...plan, joins: runs.warmUpJoins }, identities, bots);
      await measureLoad(bare, { ...plan, joins: runs.warmUpJoins }, identities, bots);
      for (let run = 0; run < context.runs; run++) {
        runs.ours.push(await measureLoad(ours, plan, identities, bots));
        runs.bare.push(await measureLoad(bare, plan, identities, bots));
        const last = runs.ours[run] as Measured;
        log(
          `run ${run + 1}: ours p99 ${last.p99.toFixed(0)} ms, signaling ${cpu(last, 'signaling').toFixed(2)} ms/join`,
        );
      }
      const stepSeconds = context.quick ? 1 : 1.5;
      for (let run = 0; run < context.runs; run++) {
        const ramp = await runRamp(ours, identities, bots, { stepSeconds });
        runs.ramps.push(ramp);
        log(`ramp ${run + 1}: ${ramp.maxRate} joins/s sustained`);
      }
      // The transport's own curve, for the plot (not in --quick).
      if (!context.quick) {
        runs.bareRamp = await runRamp(bare, identities, bots, { stepSeconds });
      }
    } finally {
      await echo.close();
    }
  } finally {
    await service.close();
  }
  if (!context.quick) {
    runs.profiled = await profileLoad(context, webDist, plan, identities, bots);
  }
}

async function twoNodes(context: BenchContext, runs: SignalingRuns): Promise<void> {
  const identities = await makeIdentities(IDENTITIES);
  const bots = new BotCounter();
  const plan = { rate: runs.clusterRate, joins: runs.clusterJoins, dwellMs: DWELL_MS };
  const cluster = await startBenchCluster(context.pinning);
  try {
    const before = await cluster.two.counters?.();
    runs.clusterIdle = await idleCpu(cluster.two, IDLE_MS);
    const after = await cluster.two.counters?.();
    if (before && after) {
      let commands = 0;
      for (const [name, calls] of after) {
        commands += calls - (before.get(name) ?? 0);
      }
      runs.clusterIdleCommands = (commands * 1000) / IDLE_MS;
    }
    await measureLoad(cluster.two, { ...plan, joins: runs.warmUpJoins }, identities, bots);
    for (let run = 0; run < context.runs; run++) {
      runs.one.push(await measureLoad(cluster.one, plan, identities, bots));
      runs.two.push(await measureLoad(cluster.two, plan, identities, bots));
    }
  } finally {
    await cluster.stop();
  }
}

/** Median over runs of a ramp's value at each offered rate the runs reached. */
function rampPoints(ramps: readonly Ramp[], series: string, value: (m: Measured) => number): Point[] {
  const byRate = new Map<number, number[]>();
  for (const ramp of ramps) {
    for (const step of ramp.steps) {
      const list = byRate.get(step.rate) ?? [];
      list.push(value(step.measured));
      byRate.set(step.rate, list);
    }
  }
  return [...byRate].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ series, x, y: summarize(ys).median }));
}

function buildFigures(runs: SignalingRuns): Figure[] {
  const ourCpu = runs.ours.map((m) => cpu(m, 'signaling'));
  const bareCpu = runs.bare.map((m) => cpu(m, 'signaling'));
  const ourP50 = runs.ours.map((m) => m.p50);
  const ourP99 = runs.ours.map((m) => m.p99);
  const bareName = 'bare Socket.IO (same exchanges, no work)';
  const cpuMedian = summarize(ourCpu);
  const p99 = summarize(ourP99);
  const maxRates = summarize(runs.ramps.map((r) => r.maxRate));
  const figures: Figure[] = [
    {
      id: 'signaling.cpuPerJoinMs',
      label: `Signaling CPU per join (and its leave), ${FIXED_RATE} joins/s`,
      unit: 'ms',
      ours: cpuMedian,
      reference: { name: bareName, value: summarize(bareCpu) },
      ratio: ratioSummary(ourCpu, bareCpu),
      better: 'lower',
      target: { text: 'signaling CPU per join < 5 ms', met: cpuMedian.median < 5 },
    },
    {
      id: 'signaling.sfuCpuPerJoinMs',
      label: `SFU CPU per join (two transports, router per room), ${FIXED_RATE} joins/s`,
      unit: 'ms',
      ours: summarize(runs.ours.map((m) => cpu(m, 'SFU'))),
      better: 'lower',
    },
    {
      id: 'signaling.joinP50',
      label: `Join latency p50 (token → transports made), ${FIXED_RATE} joins/s`,
      unit: 'ms',
      ours: summarize(ourP50),
      reference: { name: bareName, value: summarize(runs.bare.map((m) => m.p50)) },
      ratio: ratioSummary(
        ourP50,
        runs.bare.map((m) => m.p50),
      ),
      better: 'lower',
    },
    {
      id: 'signaling.joinP99',
      label: `Join latency p99, ${FIXED_RATE} joins/s on one node`,
      unit: 'ms',
      ours: p99,
      reference: { name: bareName, value: summarize(runs.bare.map((m) => m.p99)) },
      ratio: ratioSummary(
        ourP99,
        runs.bare.map((m) => m.p99),
      ),
      better: 'lower',
      target: { text: `p99 < ${P99_BOUND_MS} ms at ${FIXED_RATE} joins/s`, met: p99.median < P99_BOUND_MS },
    },
    {
      id: 'signaling.maxJoinsPerSecond',
      label: `Joins per second sustained on one node (open loop, p99 ≤ ${P99_BOUND_MS} ms, ≤ 1% failed)`,
      unit: 'joins/s',
      ours: maxRates,
      better: 'higher',
    },
  ];
  if (runs.one.length > 0 && runs.two.length === runs.one.length) {
    const oneCpu = runs.one.map((m) => cpu(m, 'signaling'));
    const twoCpu = runs.two.map((m) => cpu(m, 'signaling'));
    figures.push(
      {
        id: 'signaling.twoNodes.cpuPerJoinMs',
        label: `Signaling CPU per join, two nodes on Redis (both nodes), ${runs.clusterRate} joins/s`,
        unit: 'ms',
        ours: summarize(twoCpu),
        reference: { name: 'one node on Redis', value: summarize(oneCpu) },
        ratio: ratioSummary(twoCpu, oneCpu),
        better: 'lower',
      },
      {
        id: 'signaling.twoNodes.joinP99',
        label: `Join latency p99, two nodes on Redis, ${runs.clusterRate} joins/s`,
        unit: 'ms',
        ours: summarize(runs.two.map((m) => m.p99)),
        reference: { name: 'one node on Redis', value: summarize(runs.one.map((m) => m.p99)) },
        ratio: ratioSummary(
          runs.two.map((m) => m.p99),
          runs.one.map((m) => m.p99),
        ),
        better: 'lower',
      },
    );
  }
  return figures;
}

function buildSeries(runs: SignalingRuns): Series[] {
  const bare = runs.bareRamp ? [runs.bareRamp] : [];
  return [
    {
      id: 'signaling.latencyVsRate',
      title: 'Join latency vs offered joins/s (one node, open loop)',
      xLabel: 'offered joins per second',
      yLabel: 'join latency (ms)',
      logY: true,
      points: [
        ...rampPoints(runs.ramps, 'ours p50', (m) => m.p50),
        ...rampPoints(runs.ramps, 'ours p99', (m) => m.p99),
        ...rampPoints(bare, 'bare Socket.IO p99', (m) => m.p99),
      ],
    },
    {
      id: 'signaling.cpuVsRate',
      title: 'CPU per join vs offered joins/s (one node)',
      xLabel: 'offered joins per second',
      yLabel: 'CPU per join (ms)',
      points: [
        ...rampPoints(runs.ramps, 'signaling', (m) => cpu(m, 'signaling')),
        ...rampPoints(runs.ramps, 'SFU', (m) => cpu(m, 'SFU')),
        ...rampPoints(bare, 'bare Socket.IO', (m) => cpu(m, 'signaling')),
      ],
    },
  ];
}

async function run(context: BenchContext): Promise<SectionResult> {
  const started = Date.now();
  const runs: SignalingRuns = {
    ours: [],
    bare: [],
    ramps: [],
    bareRamp: null,
    profiled: null,
    one: [],
    two: [],
    clusterError: null,
    joinsPerRun: context.quick ? 100 : 400,
    warmUpJoins: context.quick ? 50 : 100,
    clusterRate: CLUSTER_RATE,
    clusterJoins: context.quick ? 75 : 250,
    idle: null,
    clusterIdle: null,
    clusterIdleCommands: null,
  };
  // Bots never load the page: any build does (or none: signaling then serves no page).
  const webDist = join(context.root, 'apps/web/dist');
  await singleNode(context, runs, webDist);
  try {
    await twoNodes(context, runs);
  } catch (error) {
    // The single node's figures stand; the comparison says why it is missing.
    runs.clusterError = error instanceof Error ? error.message : String(error);
    context.log(`two nodes on Redis: ${runs.clusterError}`);
  }
  return {
    id: 'signaling',
    title: 'Signaling',
    figures: buildFigures(runs),
    series: buildSeries(runs),
    notes: signalingNotes(runs, FIXED_RATE, DWELL_MS),
    pinning: context.pinning.text,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

export const signalingSection: Section = { id: 'signaling', title: 'Signaling', run };
