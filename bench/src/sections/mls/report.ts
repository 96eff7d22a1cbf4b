/**
 * Both runs of the simulation the section and the command make: the chosen suite at every
 * size, then the post-quantum hybrid suite at 10 and 100 when its implementation is installed
 * (else why not), with today's pairwise figures from the keys section's last results.
 */
import { readFile } from 'node:fs/promises';
import type { BenchReport } from '../../core/report.ts';
import { pairwiseBaseline, type PairwiseBaseline } from './pairwise.ts';
import type { Meter } from './roomSim.ts';
import { PQ_SUITE, simulate, trySimulate, type MlsSimulation } from './simulate.ts';

/** Room sizes of the post-quantum rows (the issue asks for a measurement, not the whole range). */
export const PQ_SIZES = [10, 100];

export interface MlsMeasurement {
  readonly main: MlsSimulation;
  /** The post-quantum suite's rows, or why they were not measured. */
  readonly pq: { ok: true; simulation: MlsSimulation } | { ok: false; reason: string };
  readonly baseline: PairwiseBaseline | null;
  /** Why there is no pairwise baseline, if there is none. */
  readonly baselineMissing: string | null;
}

/** The keys section's last results, from a report file (bench/results/latest.json). */
export async function readBaseline(
  path: string,
): Promise<{ baseline: PairwiseBaseline | null; why: string | null }> {
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as BenchReport;
    const baseline = pairwiseBaseline(report.sections);
    return { baseline, why: baseline ? null : `${path} has no keys section results` };
  } catch (error) {
    return { baseline: null, why: `${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export async function measureMls(options: {
  sizes: readonly number[];
  runs: number;
  samples?: number;
  meter: Meter;
  log: (message: string) => void;
  baselinePath: string;
}): Promise<MlsMeasurement> {
  const { baseline, why } = await readBaseline(options.baselinePath);
  const main = await simulate(options);
  const pqSizes = PQ_SIZES.filter((n) => options.sizes.includes(n));
  const pq =
    pqSizes.length === 0
      ? ({ ok: false, reason: 'no room of 10 or 100 in this run' } as const)
      : await trySimulate({ ...options, sizes: pqSizes, suite: PQ_SUITE });
  if (!pq.ok) {
    options.log(`${PQ_SUITE}: not measured (${pq.reason})`);
  }
  return { main, pq, baseline, baselineMissing: why };
}
