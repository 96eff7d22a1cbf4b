/** The side-by-side table as a person quotes it (Markdown), printed by run.ts. */
import { formatNumber } from '../../core/report.ts';
import type { PairwiseCpu, Provenance } from './pairwise.ts';
import type { MlsRow } from './rows.ts';

/** Bytes in SI units (kB = 1,000 B), three significant digits. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) {
    return 'n/a';
  }
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : formatNumber(value)} ${units[unit]}`;
}

const MARK: Record<Provenance, string> = { measured: '', 'measured once': ' ¹', extrapolated: ' ²' };

function cpu(value: PairwiseCpu | null): string {
  return value === null ? '–' : `${formatNumber(value.ms)}${MARK[value.how]}`;
}

const HEADER = [
  'members',
  'change',
  'MLS msgs (in+out)',
  'MLS bytes',
  'pairwise envelopes',
  'pairwise msgs (in+out)',
  'pairwise bytes',
  'bytes pairwise ÷ MLS',
  'MLS CPU committer (ms)',
  'MLS CPU each other member (ms)',
  'MLS CPU newcomer (ms)',
  'SFrame keys, all senders (ms)',
  'pairwise CPU newcomer (ms)',
  'pairwise CPU each other member (ms)',
];

export function tableCells(row: MlsRow): string[] {
  const ratio =
    row.pairwise.bytes === null ? 'n/a' : `${formatNumber(row.pairwise.bytes / row.bytes.median)}×`;
  return [
    formatNumber(row.n),
    row.event,
    formatNumber(row.messages.median),
    formatBytes(row.bytes.median),
    formatNumber(row.pairwise.envelopes),
    formatNumber(row.pairwise.messages),
    formatBytes(row.pairwise.bytes),
    ratio,
    formatNumber(row.committerMs.median),
    formatNumber(row.memberMs.median),
    row.newcomerMs === null ? '–' : formatNumber(row.newcomerMs.median),
    formatNumber(row.sframeMs.median),
    cpu(row.pairwise.newcomer),
    cpu(row.pairwise.member),
  ];
}

/** The table, with its legend. */
export function mlsTable(rows: readonly MlsRow[]): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...rows.map(tableCells)].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  lines.push(
    '',
    'Pairwise CPU: the keys section’s medians; ¹ its focal room of 1,000, run once; ² its linear model ' +
      '(extrapolated). MLS CPU: medians over the runs (each other member: over the sampled members of every run).',
  );
  return lines.join('\n');
}
