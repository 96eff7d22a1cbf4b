import { describe, expect, it } from 'vitest';
import { percentile, ratioSummary, summarize } from '../src/core/stats.ts';

describe('run summaries', () => {
  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 0, 5], 100)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBeCloseTo(9.1);
    expect(() => percentile([], 50)).toThrow(TypeError);
  });

  it('gives median, min and max, leaving out runs that measured nothing', () => {
    expect(summarize([3, Number.NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(summarize([]).runs).toBe(0);
  });

  it('computes ratios run by run, not as a ratio of medians', () => {
    // Run-to-run drift hits both sides of each pair alike: the per-run ratio stays at 2.
    expect(ratioSummary([2, 20, 200], [1, 10, 100])).toEqual({ median: 2, min: 2, max: 2, runs: 3 });
    expect(() => ratioSummary([1], [1, 2])).toThrow(TypeError);
  });
});
