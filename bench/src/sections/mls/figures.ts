/** The mls section's figures (MLS next to today's pairwise distribution) and plots. */
import type { Figure, Point, Series } from '../../core/figure.ts';
import { ratioSummary, type Summary } from '../../core/stats.ts';
import type { PairwiseCpu } from './pairwise.ts';
import type { MlsRow } from './rows.ts';

const exact = (value: number): Summary => ({ median: value, min: value, max: value, runs: 1 });

/**
 * ours / the reference, of the medians: the reference is one value from another section's run
 * (the pairwise counts are exact, its CPU figures are that section's medians).
 */
function ratioOfMedians(ours: Summary, reference: number): Summary {
  return ratioSummary([ours.median], [reference]);
}

/** The pairwise CPU figure to set an MLS CPU figure against (the keys section's), and their ratio. */
function cpuReference(
  name: string,
  ours: Figure['ours'],
  value: PairwiseCpu | null,
): Pick<Figure, 'reference' | 'ratio'> {
  return value === null
    ? {}
    : {
        reference: { name: `${name} (keys section, ${value.how})`, value: exact(value.ms) },
        ratio: ratioOfMedians(ours, value.ms),
      };
}

/** Figures of one row; `prefix` and `suite` tell the post-quantum rows apart. */
function rowFigures(row: MlsRow, prefix: string, suite: string): Figure[] {
  const { n, event } = row;
  const what = event === 'join' ? `a join into a room of ${n}` : `a leave from a room of ${n}`;
  const id = (name: string): string => `${prefix}.${event}.${name}.${n}`;
  const figures: Figure[] = [
    {
      id: id('messages'),
      label: `MLS messages signaling receives and sends on ${what}${suite}`,
      unit: 'messages',
      ours: row.messages,
      reference: { name: 'pairwise relayKey + keyEnvelope', value: exact(row.pairwise.messages) },
      ratio: ratioOfMedians(row.messages, row.pairwise.messages),
      better: 'lower',
    },
    {
      id: id('bytes'),
      label: `MLS bytes through signaling on ${what} (in + out)${suite}`,
      unit: 'bytes',
      ours: row.bytes,
      ...(row.pairwise.bytes === null
        ? {}
        : {
            reference: { name: 'pairwise envelopes', value: exact(row.pairwise.bytes) },
            ratio: ratioOfMedians(row.bytes, row.pairwise.bytes),
          }),
      better: 'lower',
    },
    {
      id: id('committerCpuMs'),
      label: `MLS CPU of the committer (the host) on ${what}${suite}`,
      unit: 'ms',
      ours: row.committerMs,
      better: 'lower',
    },
    {
      id: id('memberCpuMs'),
      label: `MLS CPU of each other member on ${what} (processing the commit)${suite}`,
      unit: 'ms',
      ours: row.memberMs,
      ...cpuReference('pairwise, a member', row.memberMs, row.pairwise.member),
      better: 'lower',
    },
  ];
  if (row.newcomerMs !== null) {
    figures.push({
      id: id('newcomerCpuMs'),
      label: `MLS CPU of the newcomer on ${what} (key package, joining from the Welcome)${suite}`,
      unit: 'ms',
      ours: row.newcomerMs,
      ...cpuReference('pairwise, the newcomer', row.newcomerMs, row.pairwise.newcomer),
      better: 'lower',
    });
  }
  figures.push({
    id: id('sframeKeysMs'),
    label: `SFrame keys of all ${event === 'join' ? n : n - 1} senders at the new epoch, one member${suite}`,
    unit: 'ms',
    ours: row.sframeMs,
    better: 'lower',
  });
  return figures;
}

export function mlsFigures(rows: readonly MlsRow[], pqRows: readonly MlsRow[], pqSuite: string): Figure[] {
  return [
    ...rows.flatMap((row) => rowFigures(row, 'mls', '')),
    ...pqRows.flatMap((row) => rowFigures(row, 'mls.xwing', ` (${pqSuite})`)),
  ];
}

export function mlsSeries(rows: readonly MlsRow[]): Series[] {
  const bytes: Point[] = [];
  const cpu: Point[] = [];
  for (const row of rows) {
    const x = row.n;
    bytes.push({ series: `MLS ${row.event}`, x, y: row.bytes.median });
    if (row.pairwise.bytes !== null) {
      bytes.push({ series: `pairwise ${row.event}`, x, y: row.pairwise.bytes });
    }
    cpu.push(
      { series: `MLS committer, ${row.event}`, x, y: row.committerMs.median },
      { series: `MLS member, ${row.event}`, x, y: row.memberMs.median },
    );
    if (row.newcomerMs !== null) {
      cpu.push({ series: 'MLS newcomer', x, y: row.newcomerMs.median });
    }
    if (row.pairwise.member !== null) {
      cpu.push({ series: `pairwise member, ${row.event}`, x, y: row.pairwise.member.ms });
    }
    if (row.pairwise.newcomer !== null) {
      cpu.push({ series: 'pairwise newcomer', x, y: row.pairwise.newcomer.ms });
    }
  }
  return [
    {
      id: 'mls.bytesVsSize',
      title: 'Key-distribution bytes through signaling per change: MLS vs pairwise',
      xLabel: 'members in the room',
      yLabel: 'bytes',
      logY: true,
      points: bytes,
    },
    {
      id: 'mls.cpuVsSize',
      title: 'Key-distribution CPU per member per change: MLS vs pairwise',
      xLabel: 'members in the room',
      yLabel: 'ms',
      logY: true,
      points: cpu,
    },
  ];
}
