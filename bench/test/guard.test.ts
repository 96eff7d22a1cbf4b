import { describe, expect, it } from 'vitest';
import type { SectionResult } from '../src/core/figure.ts';
import { checkGuard, rebase, type Guard } from '../src/core/guard.ts';
import { summarize } from '../src/core/stats.ts';

function section(ratio: number[], ours: number[]): SectionResult {
  return {
    id: 'media',
    title: 'Media',
    pinning: 'test',
    notes: [],
    series: [],
    figures: [
      {
        id: 'media.cpuPerPacket',
        label: 'CPU per packet',
        unit: 'µs',
        better: 'lower',
        ours: summarize(ours),
        reference: { name: 'Janus', value: summarize(ours.map((v, i) => v / (ratio[i] as number))) },
        ratio: summarize(ratio),
      },
    ],
  };
}

const lowerIsBetter: Guard = {
  id: 'media.cpuPerPacket',
  field: 'ratio',
  better: 'lower',
  baseline: 0.8,
  margin: 0.25,
  why: 'the SFU forwards packets cheaper than Janus',
};

describe('the regression guard', () => {
  it('passes a ratio within the margin and fails one beyond it', () => {
    expect(checkGuard(lowerIsBetter, [section([0.95, 0.99, 0.97], [3, 3, 3])]).status).toBe('ok');
    const verdict = checkGuard(lowerIsBetter, [section([1.05, 1.02, 1.1], [3, 3, 3])]);
    expect(verdict).toMatchObject({ status: 'worse', current: 1.05, limit: 1 });
  });

  it('says better when the figure improved', () => {
    expect(checkGuard(lowerIsBetter, [section([0.5, 0.6, 0.55], [3, 3, 3])]).status).toBe('better');
  });

  it('reads higher-is-better guards the other way round', () => {
    const higher: Guard = { ...lowerIsBetter, field: 'ours', better: 'higher', baseline: 100, margin: 0.2 };
    expect(checkGuard(higher, [section([1, 1, 1], [85, 90, 95])]).status).toBe('ok');
    expect(checkGuard(higher, [section([1, 1, 1], [70, 75, 79])]).status).toBe('worse');
  });

  it('fails a guard whose figure is absent or was not measured', () => {
    expect(checkGuard({ ...lowerIsBetter, id: 'media.other' }, [section([1], [1])]).status).toBe('missing');
    expect(checkGuard(lowerIsBetter, [section([Number.NaN], [1])]).status).toBe('missing');
  });

  it('rebases every guard on a report, and refuses one that lacks a guarded figure', () => {
    const next = rebase(
      { format: 1, source: 'old', guards: [lowerIsBetter] },
      [section([0.7, 0.9, 0.8], [1, 1, 1])],
      'new',
    );
    expect(next.guards[0]?.baseline).toBeCloseTo(0.8);
    expect(next.source).toBe('new');
    expect(() => rebase({ format: 1, source: 'old', guards: [lowerIsBetter] }, [], 'new')).toThrow(
      /cannot rebase/,
    );
  });
});
