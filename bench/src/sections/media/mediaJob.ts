/**
 * Item 1 of issue 13: the same WebRTC fan-out load through our SFU and
 * through Janus VideoRoom, side by side. Runs inside the bench network
 * namespace (child.ts). A fixed load, ours and Janus interleaved run by run,
 * then a ramp of subscribers to find each one's knee.
 */
import type { Figure, Series } from '../../core/figure.ts';
import { ratioSummary, summarize } from '../../core/stats.ts';
import type { LoadPlan, SfuUnderTest } from './driver.ts';
import type { JobContext, JobResult } from './job.ts';
import { measure, type RunResult, type RunSettings } from './measure.ts';
import { mediaNotes } from './mediaNotes.ts';
import { coresOf } from './kernelStats.ts';
import { describeRun, kneeText, kneeValue, ramp, rampPoints, type RampOutcome } from './ramp.ts';

const PUBLISHERS = 4;
/** The fixed load: 4 publishers, 16 subscribers (the 4 publishers, each receiving the 3 others, and 12 viewers). */
export const FIXED_LOAD: LoadPlan = { rooms: 1, participants: PUBLISHERS, viewers: 12, layers: 3 };

export function mediaSettings(context: JobContext): RunSettings {
  return {
    warmupMs: 2_000,
    settleMs: 10_000,
    windowMs: context.quick ? 3_000 : 6_000,
    graceMs: 500,
    cores: { sut: coresOf(context.pinning.sut), load: coresOf(context.pinning.load) },
  };
}

/** Subscribers (participants + viewers) at each step of the knee ramp. */
function kneeSteps(quick: boolean): number[] {
  // Finer where the generator (one core, ~25k packets/s) nears its end.
  return quick ? [16, 32, 48] : [16, 24, 32, 40, 48, 64, 80];
}

function figure(
  id: string,
  label: string,
  unit: string,
  ours: readonly number[],
  janus: readonly number[] | null,
  better: 'lower' | 'higher',
  target?: { text: string; met: (ratio: number) => boolean },
): Figure {
  const result: Figure = { id, label, unit, ours: summarize(ours), better };
  if (janus) {
    result.reference = { name: 'Janus 1.1.2 VideoRoom', value: summarize(janus) };
    // Ratios of zero losses mean nothing: only where both are positive.
    if (ours.every((v) => v > 0) && janus.every((v) => v > 0)) {
      result.ratio = ratioSummary(ours, janus);
      if (target) {
        result.target = { text: target.text, met: target.met(result.ratio.median) };
      }
    }
  }
  return result;
}

export async function runMediaJob(
  context: JobContext,
  ours: SfuUnderTest,
  janus: SfuUnderTest | null,
): Promise<JobResult> {
  const settings = mediaSettings(context);
  const oursRuns: RunResult[] = [];
  const janusRuns: RunResult[] = [];
  context.log(
    `media: fixed load ${PUBLISHERS} publishers × 16 subscribers, ${context.runs} runs each, interleaved`,
  );
  for (let i = 0; i < context.runs; i++) {
    for (const [sfu, runs] of [
      [ours, oursRuns],
      [janus, janusRuns],
    ] as const) {
      if (!sfu) {
        continue;
      }
      const run = await measure(sfu, FIXED_LOAD, settings);
      runs.push(run);
      context.log(`  run ${i + 1} ${sfu.name}: ${describeRun(run)}`);
    }
  }
  const sfus = janus ? [ours, janus] : [ours];
  const steps = kneeSteps(context.quick).map((subscribers) => ({
    load: subscribers,
    plan: { ...FIXED_LOAD, viewers: subscribers - PUBLISHERS },
  }));
  context.log(`media: knee ramp over ${steps.map((s) => s.load).join(', ')} subscribers`);
  const outcomes = await ramp(sfus, steps, settings, context.log);
  const [oursRamp, janusRamp] = outcomes as [RampOutcome, RampOutcome | undefined];
  const j = janus ? janusRuns : null;
  const figures: Figure[] = [
    figure(
      'media.cpuPerPacket',
      'SFU CPU per forwarded packet (4 publishers × 16 subscribers)',
      'µs',
      oursRuns.map((r) => r.cpuUsPerPacket),
      j?.map((r) => r.cpuUsPerPacket) ?? null,
      'lower',
      { text: 'ours/Janus ≤ 1', met: (ratio) => ratio <= 1 },
    ),
    figure(
      'media.lossPct',
      'Packet loss at the fixed load',
      '%',
      oursRuns.map((r) => r.lossPct),
      j?.map((r) => r.lossPct) ?? null,
      'lower',
    ),
    figure(
      'media.latencyP50',
      'Added latency p50 (bot write → bot read)',
      'ms',
      oursRuns.map((r) => r.p50Ms),
      j?.map((r) => r.p50Ms) ?? null,
      'lower',
    ),
    figure(
      'media.latencyP99',
      'Added latency p99 (bot write → bot read)',
      'ms',
      oursRuns.map((r) => r.p99Ms),
      j?.map((r) => r.p99Ms) ?? null,
      'lower',
    ),
    figure(
      'media.generatorCore',
      'Load generator CPU at the fixed load (its own core; near 100%: the generator is the limit)',
      '% of a core',
      oursRuns.map((r) => r.generatorCorePct),
      j?.map((r) => r.generatorCorePct) ?? null,
      'lower',
    ),
    figure(
      'media.knee',
      'Knee: subscribers of 4 publishers before loss > 1% or p99 > 300 ms (one ramp)',
      'subscribers',
      [kneeValue(oursRamp)],
      janusRamp ? [kneeValue(janusRamp)] : null,
      'higher',
      { text: 'ours/Janus ≥ 1', met: (ratio) => ratio >= 1 },
    ),
  ];
  const knee = figures[5] as Figure;
  knee.note = `ours ${kneeText(oursRamp)}${janusRamp ? `; Janus ${kneeText(janusRamp)}` : ''}`;
  const series: Series[] = [
    {
      id: 'media.cpuPerPacketVsLoad',
      title: 'SFU CPU per forwarded packet as subscribers grow (4 publishers)',
      xLabel: 'subscribers',
      yLabel: 'CPU-µs per forwarded packet',
      points: rampPoints(outcomes, (r) => r.cpuUsPerPacket),
    },
    {
      id: 'media.p99VsLoad',
      title: 'Added latency p99 as subscribers grow',
      xLabel: 'subscribers',
      yLabel: 'p99 latency (ms)',
      points: rampPoints(outcomes, (r) => r.p99Ms),
      logY: true,
    },
    {
      id: 'media.lossVsLoad',
      title: 'Packet loss as subscribers grow',
      xLabel: 'subscribers',
      yLabel: 'loss (%)',
      points: rampPoints(outcomes, (r) => r.lossPct),
    },
    {
      id: 'media.generatorVsLoad',
      title: 'Load generator CPU (its own core) as subscribers grow',
      xLabel: 'subscribers',
      yLabel: 'generator core (%)',
      points: rampPoints(outcomes, (r) => r.generatorCorePct),
    },
  ];
  return { figures, series, notes: mediaNotes(oursRuns, j, outcomes, janus !== null) };
}
