/**
 * The `bench` command: runs the benchmark sections (all, or --only some),
 * prints the results table, and writes bench/results/latest.{md,json} and
 * the plots. Sections not run this time keep their previous results in the
 * report (each says when it ran).
 *
 *   bash scripts/bench.sh [--only media,join] [--runs 5] [--quick]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext } from './core/context.ts';
import type { SectionResult } from './core/figure.ts';
import { machineInfo } from './core/machine.ts';
import { readmeBlock, updateReadme } from './core/readme.ts';
import { choosePinning, pinProcess } from './core/pinning.ts';
import { writeReport, type BenchReport } from './core/report.ts';
import { loadSection, SECTIONS } from './sections/registry.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const MIN_REPORT_RUNS = 5;
const DEFAULT_OUT = join(ROOT, 'bench/results');
/** The plot the README shows. */
const README_PLOT = 'media.cpuPerPacketVsLoad';

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function previousSections(path: string): Promise<SectionResult[]> {
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as BenchReport;
    return report.format === 1 ? report.sections : [];
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      skip: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: DEFAULT_OUT },
      keep: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
  });
  const known = SECTIONS.map((s) => s.id);
  const only = values.only?.split(',').filter(Boolean) ?? known;
  const skip = values.skip?.split(',').filter(Boolean) ?? [];
  for (const id of [...only, ...skip]) {
    if (!known.includes(id)) {
      log(`unknown section "${id}"; the sections are: ${known.join(', ')}`);
      return 2;
    }
  }
  const runs = values.runs ? Number(values.runs) : values.quick ? 3 : MIN_REPORT_RUNS;
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    log(`--runs must be an integer from 1 to 50, not "${values.runs}"`);
    return 2;
  }
  if (runs < MIN_REPORT_RUNS && !values.quick) {
    log(`note: ${runs} runs; the report quotes figures from at least ${MIN_REPORT_RUNS}`);
  }
  const pinning = choosePinning();
  pinProcess(process.pid, pinning.load);
  log(pinning.text);
  const machine = machineInfo(ROOT);
  const outDir = values.out;
  const latest = join(outDir, 'latest.json');
  const kept = values.fresh ? [] : await previousSections(latest);
  const results = new Map<string, SectionResult>(kept.map((s) => [s.id, s]));
  let failures = 0;
  for (const entry of SECTIONS) {
    if (!only.includes(entry.id) || skip.includes(entry.id)) {
      continue;
    }
    const workDir = await mkdtemp(join(tmpdir(), `bench-${entry.id}-`));
    const context: BenchContext = {
      root: ROOT,
      runs,
      quick: values.quick,
      pinning,
      workDir,
      log: (message) => log(`[${entry.id}] ${message}`),
    };
    const started = Date.now();
    log(`${entry.title}: starting (${runs} runs${values.quick ? ', quick' : ''})`);
    let result: SectionResult;
    try {
      const section = await loadSection(entry);
      result = await section.run(context);
    } catch (error) {
      failures += 1;
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${entry.title}: FAILED: ${reason}`);
      result = {
        id: entry.id,
        title: entry.title,
        figures: [],
        series: [],
        notes: [],
        pinning: pinning.text,
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      if (!values.keep) {
        await rm(workDir, { recursive: true, force: true });
      }
    }
    result.seconds = Math.round((Date.now() - started) / 1000);
    result.ranAt = machine.date;
    result.commit = machine.commit;
    results.set(entry.id, result);
    log(`${entry.title}: done in ${result.seconds} s`);
  }
  const report: BenchReport = {
    format: 1,
    machine,
    runs,
    quick: values.quick,
    pinning: pinning.text,
    sections: SECTIONS.map((s) => results.get(s.id)).filter((s): s is SectionResult => s !== undefined),
  };
  const { markdown } = await writeReport(report, outDir);
  process.stdout.write(`${markdown}\n`);
  log(`wrote ${join(outDir, 'latest.md')}, ${latest} and ${join(outDir, 'plots')}`);
  // The README quotes the reference results only (not a scratch --out, not a quick run).
  if (values.out === DEFAULT_OUT && !values.quick) {
    const plot = report.sections.flatMap((s) => s.series).find((s) => s.id === README_PLOT);
    const block = readmeBlock(
      report,
      plot ? { title: plot.title, path: `bench/results/plots/${plot.id}.svg` } : null,
    );
    if (await updateReadme(join(ROOT, 'README.md'), block)) {
      log('updated the benchmark block of README.md');
    }
  }
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
