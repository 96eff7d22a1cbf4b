/**
 * The MLS simulation alone, its table on stdout (progress on stderr):
 *
 *   node bench/src/sections/mls/run.ts [--sizes 10,100,300,1000] [--runs 3] [--samples 3]
 *
 * Pairwise figures come from the keys section's last results (--baseline, default
 * bench/results/latest.json). Takes about 3 min of one core at the default sizes and runs.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ownCpuMs } from '../../core/cpu.ts';
import { mlsNotes } from './notes.ts';
import { measureMls } from './report.ts';
import { mlsRows } from './rows.ts';
import { DEFAULT_SAMPLES } from './simulate.ts';
import { mlsTable } from './table.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

function log(message: string): void {
  process.stderr.write(`mls: ${message}\n`);
}

function integers(text: string, what: string): number[] {
  const values = text.split(',').filter(Boolean).map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v))) {
    throw new RangeError(`${what} must be integers separated by commas, not "${text}"`);
  }
  return values;
}

function positive(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, not "${text}"`);
  }
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10,100,300,1000' },
      runs: { type: 'string', default: '3' },
      samples: { type: 'string', default: String(DEFAULT_SAMPLES) },
      baseline: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
    },
  });
  const sizes = integers(values.sizes, '--sizes');
  const runs = positive(values.runs, '--runs');
  const samples = positive(values.samples, '--samples');
  const started = performance.now();
  const cpuStarted = ownCpuMs();
  const measured = await measureMls({
    sizes,
    runs,
    samples,
    meter: ownCpuMs,
    log,
    baselinePath: values.baseline,
  });
  const out = (text: string): boolean => process.stdout.write(`${text}\n`);
  out(
    `MLS (${measured.main.suite}), ${measured.main.runs} runs, ${measured.main.samples} sampled members per room\n`,
  );
  out(mlsTable(mlsRows(measured.main, measured.baseline)));
  if (measured.pq.ok) {
    out(`\nPost-quantum hybrid (${measured.pq.simulation.suite})\n`);
    out(mlsTable(mlsRows(measured.pq.simulation, measured.baseline)));
  }
  out('');
  for (const note of mlsNotes(measured)) {
    out(`- ${note}`);
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = (ownCpuMs() - cpuStarted) / 1000;
  out(`\nTook ${wall.toFixed(0)} s (${cpu.toFixed(0)} s of CPU, all threads).`);
  return 0;
}

process.exitCode = await main();
