/**
 * The `bench-check` command: runs the guarded benchmarks (or reads a results
 * file) and compares them with the stored baseline, bench/baseline.json.
 * Fails when a guarded figure worsens by more than its margin.
 *
 *   bash scripts/bench-check.sh                       # run the guarded sections, then compare
 *   bash scripts/bench-check.sh --results bench/results/latest.json   # compare a run already made
 *   bash scripts/bench-check.sh --results ... --update # make that run the new baseline
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkGuard, guardLimit, rebase, type Baseline } from './core/guard.ts';
import type { BenchReport } from './core/report.ts';
import { formatNumber } from './core/report.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BASELINE = join(ROOT, 'bench/baseline.json');

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      results: { type: 'string' },
      runs: { type: 'string', default: '5' },
      update: { type: 'boolean', default: false },
      baseline: { type: 'string', default: BASELINE },
    },
  });
  const baseline = JSON.parse(await readFile(values.baseline, 'utf8')) as Baseline;
  let resultsPath = values.results;
  if (!resultsPath) {
    const sections = [...new Set(baseline.guards.map((g) => g.id.split('.')[0] as string))];
    const outDir = join(ROOT, 'bench/results/check');
    out(`bench-check: running ${sections.join(', ')} (${values.runs} runs) into ${outDir}`);
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bench/src/main.ts'),
        '--only',
        sections.join(','),
        '--runs',
        values.runs,
        '--out',
        outDir,
        '--fresh',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (run.status !== 0) {
      out(`bench-check: the benchmark run failed (exit ${run.status}); see its output above`);
      return 1;
    }
    resultsPath = join(outDir, 'latest.json');
  }
  const report = JSON.parse(await readFile(resultsPath, 'utf8')) as BenchReport;
  if (values.update) {
    const source = `${report.machine.date.slice(0, 10)}, commit ${report.machine.commit}, ${report.machine.cpu} × ${report.machine.cores}, ${report.runs} runs`;
    const next = rebase(baseline, report.sections, source);
    await writeFile(values.baseline, `${JSON.stringify(next, null, 2)}\n`);
    out(`bench-check: baseline updated from ${resultsPath} (${source})`);
    return 0;
  }
  out(`bench-check: ${resultsPath} against ${values.baseline} (${baseline.source})`);
  let failed = 0;
  for (const guard of baseline.guards) {
    const verdict = checkGuard(guard, report.sections);
    const what = `${guard.id} (${guard.field}, ${guard.better} is better, margin ${Math.round(guard.margin * 100)} %)`;
    switch (verdict.status) {
      case 'missing':
        failed += 1;
        out(`FAIL  ${what}: ${verdict.why}`);
        break;
      case 'worse':
        failed += 1;
        out(
          `FAIL  ${what}: ${formatNumber(verdict.current)} against baseline ${formatNumber(verdict.baseline)} (limit ${formatNumber(verdict.limit)}). ${verdict.why}`,
        );
        break;
      case 'ok':
      case 'better':
        out(
          `ok    ${what}: ${formatNumber(verdict.current)} against baseline ${formatNumber(verdict.baseline)} (limit ${formatNumber(guardLimit(guard))})${verdict.status === 'better' ? ', better' : ''}`,
        );
        break;
      default: {
        const never: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(never)}`);
      }
    }
  }
  out(`bench-check: ${baseline.guards.length - failed} ok, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
