/**
 * Joins per second one node sustains: open-loop steps at increasing rates
 * until one is not sustained (p99 above 300 ms or more than 1% failed).
 * Each step is short and bounded; members stay 300 ms, so the rooms still
 * fill (a room of 10 fills in 10 arrivals) and every step ends empty.
 */
import type { IdentityKeys } from '@confidentiel/protocol';
import { measureLoad, type BotCounter, type Deployment, type Measured } from './measure.ts';

/** Offered rates, joins per second. */
export const RAMP_RATES = [25, 50, 75, 100, 150, 200, 300] as const;
/** A step's p99 bound and failure bound (the issue's: p99 under 300 ms). */
export const P99_BOUND_MS = 300;
export const FAILURE_BOUND = 0.01;

export interface RampStep {
  rate: number;
  measured: Measured;
  sustained: boolean;
}

export interface Ramp {
  steps: RampStep[];
  /** The highest rate sustained (0 if none). */
  maxRate: number;
  /** The first step not sustained had its load core busy (>= 90%): the bots, not the server, may have set the limit. */
  generatorBound: boolean;
}

export async function runRamp(
  deployment: Deployment,
  identities: readonly IdentityKeys[],
  bots: BotCounter,
  options: { stepSeconds: number; rates?: readonly number[] },
): Promise<Ramp> {
  const steps: RampStep[] = [];
  let maxRate = 0;
  let generatorBound = false;
  for (const rate of options.rates ?? RAMP_RATES) {
    const joins = Math.max(40, Math.round(rate * options.stepSeconds));
    const measured = await measureLoad(deployment, { rate, joins, dwellMs: 300 }, identities, bots);
    const sustained = measured.p99 <= P99_BOUND_MS && measured.failureRate <= FAILURE_BOUND;
    steps.push({ rate, measured, sustained });
    if (!sustained) {
      generatorBound = measured.loadBusy >= 0.9;
      break;
    }
    maxRate = rate;
  }
  return { steps, maxRate, generatorBound };
}
