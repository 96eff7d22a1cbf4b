/**
 * The regression guard: the figures that matter most, compared with a stored
 * baseline. Ratios against a peer run side by side (ours/Janus, E2EE/no E2EE,
 * SFrame/raw AES-GCM) are what travels between machines; a guard fails when
 * one worsens by more than its margin.
 */
import type { SectionResult } from './figure.ts';

export interface Guard {
  /** A figure id (`media.cpuPerPacket`). */
  id: string;
  /** Compare the ratio against the reference (default) or ours alone (figures without a peer). */
  field: 'ratio' | 'ours';
  better: 'lower' | 'higher';
  /** The baseline's median. */
  baseline: number;
  /** Allowed worsening, as a fraction of the baseline (0.25 = 25 %). */
  margin: number;
  /** Why this figure is guarded, for the person reading a failure. */
  why: string;
}

export interface Baseline {
  format: 1;
  /** Where the baseline's figures come from (date, commit, machine). */
  source: string;
  guards: Guard[];
}

export type Verdict =
  | { id: string; status: 'ok' | 'better'; baseline: number; current: number; limit: number }
  | { id: string; status: 'worse'; baseline: number; current: number; limit: number; why: string }
  | { id: string; status: 'missing'; why: string };

export function findFigure(sections: readonly SectionResult[], id: string) {
  for (const section of sections) {
    const figure = section.figures.find((f) => f.id === id);
    if (figure) {
      return figure;
    }
  }
  return undefined;
}

/** The limit a guarded value may reach before the guard fails. */
export function guardLimit(guard: Guard): number {
  return guard.better === 'lower' ? guard.baseline * (1 + guard.margin) : guard.baseline * (1 - guard.margin);
}

export function checkGuard(guard: Guard, sections: readonly SectionResult[]): Verdict {
  const figure = findFigure(sections, guard.id);
  const summary = guard.field === 'ratio' ? figure?.ratio : figure?.ours;
  const current = summary?.median;
  if (current === undefined || current === null || !Number.isFinite(current)) {
    return { id: guard.id, status: 'missing', why: `no ${guard.field} for ${guard.id} in the results` };
  }
  const limit = guardLimit(guard);
  const worse = guard.better === 'lower' ? current > limit : current < limit;
  if (worse) {
    return { id: guard.id, status: 'worse', baseline: guard.baseline, current, limit, why: guard.why };
  }
  const better = guard.better === 'lower' ? current < guard.baseline : current > guard.baseline;
  return { id: guard.id, status: better ? 'better' : 'ok', baseline: guard.baseline, current, limit };
}

/** A new baseline from a report: each guard takes the report's current median. */
export function rebase(previous: Baseline, sections: readonly SectionResult[], source: string): Baseline {
  const guards = previous.guards.map((guard) => {
    const figure = findFigure(sections, guard.id);
    const value = (guard.field === 'ratio' ? figure?.ratio : figure?.ours)?.median;
    if (value === undefined || value === null || !Number.isFinite(value)) {
      throw new Error(`cannot rebase ${guard.id}: the results have no ${guard.field} for it`);
    }
    return { ...guard, baseline: value };
  });
  return { format: 1, source, guards };
}
