/**
 * Issue 16: key distribution on MLS (RFC 9420) as the room grows, without browsers: the
 * product's MLS code in process (simulate.ts), what signaling relays per join and per leave and
 * each member's CPU, side by side with today's pairwise figures (the keys section's).
 */
import { join } from 'node:path';
import type { BenchContext, Section } from '../../core/context.ts';
import { ownCpuMs } from '../../core/cpu.ts';
import type { SectionResult } from '../../core/figure.ts';
import { mlsFigures, mlsSeries } from './figures.ts';
import { mlsNotes } from './notes.ts';
import { measureMls } from './report.ts';
import { mlsRows } from './rows.ts';
import { PQ_SUITE } from './simulate.ts';

const SIZES = [10, 100, 300, 1000];
const QUICK_SIZES = [10, 100];

async function run(context: BenchContext): Promise<SectionResult> {
  const started = Date.now();
  const measured = await measureMls({
    sizes: context.quick ? QUICK_SIZES : SIZES,
    runs: context.runs,
    meter: ownCpuMs,
    log: context.log,
    // The keys section's last results: read before this run's report replaces the file.
    baselinePath: join(context.root, 'bench/results/latest.json'),
  });
  const rows = mlsRows(measured.main, measured.baseline);
  const pqRows = measured.pq.ok ? mlsRows(measured.pq.simulation, measured.baseline) : [];
  return {
    id: 'mls',
    title: 'Key distribution on MLS as the room grows',
    figures: mlsFigures(rows, pqRows, PQ_SUITE),
    series: mlsSeries(rows),
    notes: mlsNotes(measured),
    pinning: context.pinning.text,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

export const mlsSection: Section = { id: 'mls', title: 'Key distribution on MLS as the room grows', run };
