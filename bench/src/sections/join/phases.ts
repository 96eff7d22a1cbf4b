/**
 * The join's critical path (click → the joiner decodes the member) cut into
 * phases between consecutive steps of the timeline, per join, then the
 * median of each phase: where the time goes, and where E2EE adds to it.
 */
import { median } from '../../core/stats.ts';
import type { StepKey, Timeline } from './timeline.ts';

export interface Phase {
  key: string;
  label: string;
  /** Null: from the click. */
  from: StepKey | null;
  to: StepKey;
}

export const PHASES: readonly Phase[] = [
  {
    key: 'session',
    label: 'E2EE session: identity keys and E2EE worker start, before the token is asked',
    from: null,
    to: 'tokenStart',
  },
  { key: 'token', label: 'room token (HTTP)', from: 'tokenStart', to: 'token' },
  { key: 'socket', label: 'Socket.IO connection (WebSocket upgrade + auth)', from: 'token', to: 'socket' },
  { key: 'join', label: 'join request → answer', from: 'socket', to: 'join' },
  {
    key: 'transports',
    label: 'mediasoup Device load + both createTransport',
    from: 'join',
    to: 'transports',
  },
  { key: 'consume', label: "consume of the member's tracks", from: 'transports', to: 'consume' },
  {
    key: 'resume',
    label: 'consumers negotiated (SDP, one after the other) and resumed; ICE + DTLS meanwhile',
    from: 'consume',
    to: 'resume',
  },
  {
    key: 'frame',
    label: 'key frame forwarded, decrypted and decoded (first poll that sees it)',
    from: 'resume',
    to: 'frame',
  },
];

function phaseValue(t: Timeline, phase: Phase): number {
  const end = t[phase.to];
  const start = phase.from === null ? 0 : t[phase.from];
  return end - start;
}

/** Median of each phase over the joins (NaN where no join had both ends). */
export function phaseMedians(timelines: readonly Timeline[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const phase of PHASES) {
    const values = timelines.map((t) => phaseValue(t, phase)).filter((v) => Number.isFinite(v));
    result.set(phase.key, values.length === 0 ? Number.NaN : median(values));
  }
  return result;
}

function ms(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${Math.round(value)} ms`;
}

/** One line per phase: E2EE, off, difference; and which phase dominates and which E2EE grows most. */
export function phaseNotes(e2ee: readonly Timeline[], off: readonly Timeline[]): string[] {
  const on = phaseMedians(e2ee);
  const control = phaseMedians(off);
  const lines = PHASES.map((phase) => {
    const a = on.get(phase.key);
    const b = control.get(phase.key);
    const delta = a !== undefined && b !== undefined ? a - b : Number.NaN;
    const sign = Number.isFinite(delta) && delta >= 0 ? '+' : '';
    return `  ${phase.key}: ${phase.label}: E2EE ${ms(a)}, off ${ms(b)} (${sign}${ms(delta)})`;
  });
  const ranked = PHASES.map((p) => ({ p, v: on.get(p.key) ?? Number.NaN }))
    .filter((x) => Number.isFinite(x.v))
    .sort((x, y) => y.v - x.v);
  const grown = PHASES.map((p) => ({
    p,
    d: (on.get(p.key) ?? Number.NaN) - (control.get(p.key) ?? Number.NaN),
  }))
    .filter((x) => Number.isFinite(x.d))
    .sort((x, y) => y.d - x.d);
  const summary: string[] = [];
  if (ranked[0]) {
    summary.push(
      `Largest phase with E2EE: ${ranked[0].p.key} (${ms(ranked[0].v)})` +
        (ranked[1] ? `, then ${ranked[1].p.key} (${ms(ranked[1].v)})` : '') +
        '.',
    );
  }
  if (grown[0]) {
    summary.push(`Phase E2EE lengthens most: ${grown[0].p.key} (+${ms(grown[0].d)} over the control).`);
  }
  return [
    'Where the join goes (median per phase over all joins, click → the joiner decodes the member; ' +
      'phases are differences of the page time stamps of one join, so they need not add up to the median join):',
    ...lines,
    ...summary,
  ];
}
