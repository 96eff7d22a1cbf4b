/**
 * Today's pairwise key distribution, side by side: the counts are the protocol's (the keys
 * section checks them exactly: a join 4(n−1) envelopes, a leave 2(n−1)(n−2)), the bytes per
 * relayed envelope and the per-member CPU are what the keys section measured, read from its last
 * results (bench/results/latest.json). Each CPU figure says whether the keys section measured it
 * (median of its runs), measured it once (its focal room of 1,000), or extrapolated it (its
 * linear model).
 */
import type { SectionResult } from '../../core/figure.ts';

export type Event = 'join' | 'leave';

/** Envelopes signaling relays for one change in a room of n (during the change). */
export function pairwiseEnvelopes(event: Event, n: number): number {
  return event === 'join' ? 4 * (n - 1) : 2 * (n - 1) * (n - 2);
}

/** Each envelope is a relayKey request in and a keyEnvelope event out (its acknowledgement: bytes only). */
export function pairwiseMessages(event: Event, n: number): number {
  return 2 * pairwiseEnvelopes(event, n);
}

export type Provenance = 'measured' | 'measured once' | 'extrapolated';

export interface PairwiseCpu {
  readonly ms: number;
  readonly how: Provenance;
}

/** The pairwise roles the keys section measures. */
export type PairwiseRole = 'newcomer' | 'memberJoin' | 'memberLeave';

export interface PairwiseBaseline {
  /** Bytes through the server per relayed envelope (request, acknowledgement, event). */
  readonly bytesPerEnvelope: number;
  /** Which figures gave it. */
  readonly bytesSource: string;
  /** When and at which commit the keys section ran. */
  readonly ranAt: string;
  readonly commit: string;
  cpu(role: PairwiseRole, n: number): PairwiseCpu | undefined;
}

const FIGURE_OF: Partial<Record<PairwiseRole, string>> = {
  newcomer: 'keys.join.newcomerCpuMs',
  memberLeave: 'keys.leave.memberCpuMs',
};
const SERIES_OF: Record<PairwiseRole, string> = {
  newcomer: 'Node: newcomer',
  memberJoin: 'Node: join',
  memberLeave: 'Node: leave',
};
/** The keys section runs its focal room of this size once (the other sizes: every run). */
const ONCE_SIZE = 1000;

/** The pairwise baseline from the keys section's results, or null when it has not run. */
export function pairwiseBaseline(sections: readonly SectionResult[]): PairwiseBaseline | null {
  const keys = sections.find((s) => s.id === 'keys' && !s.error);
  if (!keys) {
    return null;
  }
  const figure = (id: string) => keys.figures.find((f) => f.id === id);
  const ratio = (bytes: string, envelopes: string): number | undefined => {
    const b = figure(bytes)?.ours.median;
    const e = figure(envelopes)?.ours.median;
    return b !== undefined && e !== undefined && e > 0 ? b / e : undefined;
  };
  // The keys model's bytes per envelope (real runs without refusals) is what its 1,000 figures use.
  const fromModel = ratio('keys.leave.bytes.1000', 'keys.leave.envelopes.1000');
  const fromRoom10 = ratio('keys.join.bytes.10', 'keys.join.envelopes.10');
  const bytesPerEnvelope = fromModel ?? fromRoom10;
  if (bytesPerEnvelope === undefined) {
    return null;
  }
  const points = keys.series.find((s) => s.id === 'keys.cpuVsSize')?.points ?? [];
  return {
    bytesPerEnvelope,
    bytesSource:
      fromModel !== undefined
        ? 'the keys model: real-service joins and leaves without refusals'
        : 'a join into a room of 10 on the real service',
    ranAt: keys.ranAt ?? 'unknown date',
    commit: keys.commit ?? '?',
    cpu(role, n) {
      const id = FIGURE_OF[role];
      const f = id === undefined ? undefined : figure(`${id}.${n}`);
      if (f && Number.isFinite(f.ours.median)) {
        return { ms: f.ours.median, how: f.label.includes('extrapolated') ? 'extrapolated' : 'measured' };
      }
      const point = points.find((p) => p.series === SERIES_OF[role] && p.x === n);
      if (point) {
        return { ms: point.y, how: n === ONCE_SIZE ? 'measured once' : 'measured' };
      }
      return undefined;
    },
  };
}
