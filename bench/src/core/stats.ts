/**
 * Summaries of repeated measurements. The machines are shared and noisy, so
 * every figure is the median of several runs, quoted with its min and max.
 */

/** One figure over several runs. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many runs it summarises. */
  runs: number;
}

/** The p-th percentile (0..100) by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    throw new TypeError('percentile of no values');
  }
  if (p < 0 || p > 100) {
    throw new TypeError(`percentile ${p} is outside 0..100`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  const highValue = sorted[high] as number;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Median, min and max of the runs' values (NaN values, runs that measured nothing, are left out). */
export function summarize(values: readonly number[]): Summary {
  const kept = values.filter((v) => Number.isFinite(v));
  if (kept.length === 0) {
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  }
  return { median: median(kept), min: Math.min(...kept), max: Math.max(...kept), runs: kept.length };
}

/** Per-run ratios a/b (runs side by side), summarised: the ratio of medians hides run-to-run drift. */
export function ratioSummary(ours: readonly number[], reference: readonly number[]): Summary {
  if (ours.length !== reference.length) {
    throw new TypeError(`ratio of ${ours.length} runs against ${reference.length}`);
  }
  return summarize(ours.map((value, i) => value / (reference[i] as number)));
}
