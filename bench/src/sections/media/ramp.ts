/**
 * A load ramp: the same load shape at growing sizes, one SFU after the other
 * at each step (interleaved, so the machine's drift hits both alike), until
 * each SFU passes the knee (loss > 1% or p99 > 300 ms) or the generator
 * saturates its core (then the knee found is the generator's, a lower bound
 * for the SFU).
 */
import type { Point } from '../../core/figure.ts';
import type { LoadPlan, SfuUnderTest } from './driver.ts';
import {
  failedOnGenerator,
  generatorSaturated,
  measure,
  passes,
  type RunResult,
  type RunSettings,
} from './measure.ts';

export interface RampStep {
  /** The x of the plots (subscribers, participants, rooms). */
  load: number;
  plan: LoadPlan;
}

export interface RampOutcome {
  sfu: string;
  /** The largest load that passed (0: not even the first step). */
  knee: number;
  /** Whether the ramp ended because the generator saturated (the knee is then at least this). */
  generatorBound: boolean;
  /** Why, when generatorBound: it used its whole core, or it fell behind (starved by other processes) as the step failed. */
  generatorReason?: 'saturated' | 'lagged';
  /** Whether the ramp reached its last step still passing (the knee is then at least this). */
  ranOut: boolean;
  runs: { load: number; run: RunResult }[];
}

export async function ramp(
  sfus: readonly SfuUnderTest[],
  steps: readonly RampStep[],
  settings: RunSettings,
  log: (message: string) => void,
  /** How a step is measured (tests replace it). */
  measureStep: (sfu: SfuUnderTest, plan: LoadPlan, settings: RunSettings) => Promise<RunResult> = measure,
): Promise<RampOutcome[]> {
  const outcomes = sfus.map((sfu): RampOutcome => ({
    sfu: sfu.name,
    knee: 0,
    generatorBound: false,
    ranOut: false,
    runs: [],
  }));
  const active = new Set(sfus.map((_, i) => i));
  for (const step of steps) {
    for (const i of [...active]) {
      const sfu = sfus[i] as SfuUnderTest;
      const outcome = outcomes[i] as RampOutcome;
      let run: RunResult;
      try {
        run = await measureStep(sfu, step.plan, settings);
      } catch (error) {
        // A load the SFU cannot even seat (timeouts) is past its knee.
        log(`  ${sfu.name} at ${step.load}: could not seat the load (${(error as Error).message})`);
        active.delete(i);
        continue;
      }
      outcome.runs.push({ load: step.load, run });
      log(`  ${sfu.name} at ${step.load}: ${describeRun(run)}`);
      if (passes(run)) {
        outcome.knee = step.load;
        // A bigger step would measure the generator, not the SFU.
        if (generatorSaturated(run)) {
          outcome.generatorBound = true;
          outcome.generatorReason = 'saturated';
          active.delete(i);
        }
      } else {
        // A failure of the generator says nothing about the SFU: its knee is then a lower bound.
        outcome.generatorBound = failedOnGenerator(run);
        if (outcome.generatorBound) {
          outcome.generatorReason = generatorSaturated(run) ? 'saturated' : 'lagged';
        }
        active.delete(i);
      }
    }
    if (active.size === 0) {
      break;
    }
  }
  for (const i of active) {
    (outcomes[i] as RampOutcome).ranOut = true;
  }
  return outcomes;
}

function drops(run: RunResult): string {
  const total = run.sfuSocketDrops + run.botSocketDrops;
  return total === 0
    ? ''
    : `, UDP drops on full buffers: ${run.sfuSocketDrops} at the SFU's sockets, ${run.botSocketDrops} at the bots'`;
}

/** One run as the progress log shows it, with the machine's noise. */
export function describeRun(run: RunResult): string {
  const counters = Object.entries(run.counters)
    .filter(([, value]) => value > 0)
    .map(([name, value]) => `, ${name} ${value}`)
    .join('');
  return (
    `${run.cpuUsPerPacket.toFixed(2)} µs/packet, loss ${run.lossPct.toFixed(2)}%, p50 ${run.p50Ms.toFixed(1)} ms, ` +
    `p99 ${run.p99Ms.toFixed(1)} ms; SFU ${run.sfuCorePct.toFixed(0)}% core, generator ` +
    `${run.generatorCorePct.toFixed(0)}% core${run.lateTicks > 0 ? ` (fell behind its schedule ${run.lateTicks} times)` : ''}` +
    `${run.settled ? '' : ', not every stream flowed before the window'}` +
    `${counters}${drops(run)}; others on the SFU core ${run.sutCoreOthersPct.toFixed(0)}%, on the generator core ` +
    `${run.loadCoreOthersPct.toFixed(0)}%, generator waited ${run.generatorWaitPct.toFixed(0)}%`
  );
}

/** The plot points of ramps: one line per SFU. */
export function rampPoints(outcomes: readonly RampOutcome[], value: (run: RunResult) => number): Point[] {
  return outcomes.flatMap((o) =>
    o.runs
      .map(({ load, run }) => ({ series: o.sfu, x: load, y: value(run) }))
      .filter((p) => Number.isFinite(p.y)),
  );
}

/** "12", "≥ 12 (the generator could not keep up first)", "≥ 12 (still passing at the last step)". */
export function kneeText(outcome: RampOutcome): string {
  if (outcome.generatorBound) {
    const why =
      outcome.generatorReason === 'saturated'
        ? 'the generator used its whole core'
        : 'the next step failed while the generator lagged behind its schedule (its core shared with other processes)';
    return outcome.knee === 0 ? `not measured (${why})` : `≥ ${outcome.knee} (${why})`;
  }
  if (outcome.ranOut) {
    return `≥ ${outcome.knee} (still passing at the last step)`;
  }
  return outcome.knee === 0 ? 'below the first step' : String(outcome.knee);
}

/** The knee as a figure's value: NaN when the generator could not keep up from the first step (not measured). */
export function kneeValue(outcome: RampOutcome): number {
  return outcome.generatorBound && outcome.knee === 0 ? Number.NaN : outcome.knee;
}
