/**
 * The README's benchmark block: the latest headline figures (those with a
 * target or a peer), one plot and how to reproduce, written between two
 * markers so that every full bench run keeps the README true.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as prettier from 'prettier';
import type { Figure } from './figure.ts';
import { formatNumber, type BenchReport } from './report.ts';
import type { Summary } from './stats.ts';

export const README_START = '<!-- bench:start (written by scripts/bench.sh) -->';
export const README_END = '<!-- bench:end -->';
/** Rows per section in the README (the full table is bench/results/latest.md). */
const ROWS_PER_SECTION = 4;

function cell(summary: Summary | undefined, unit: string): string {
  if (!summary || summary.runs === 0) {
    return '';
  }
  return `${formatNumber(summary.median)} ${unit}`.trim();
}

function headline(figures: readonly Figure[]): Figure[] {
  const withTarget = figures.filter((f) => f.target);
  const withPeer = figures.filter((f) => !f.target && f.ratio && f.ratio.runs > 0);
  return [...withTarget, ...withPeer].slice(0, ROWS_PER_SECTION);
}

export function readmeBlock(report: BenchReport, plot: { title: string; path: string } | null): string {
  const m = report.machine;
  const lines = [
    README_START,
    `Latest run: ${m.date.slice(0, 10)}, commit ${m.commit}, ${m.cpu} × ${m.cores} cores, Node ${m.node}, ` +
      `mediasoup ${m.versions.mediasoup ?? '?'}, Janus ${m.versions.janus ?? '?'}, Chromium ${m.versions.chromium ?? '?'}; ` +
      `medians of ${report.runs} runs; ${report.pinning}. Full table, min–max and notes: ` +
      '[bench/results/latest.md](bench/results/latest.md).',
    '',
    '| section | figure | ours | reference | ours/ref | target |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const section of report.sections) {
    if (section.error) {
      lines.push(`| ${section.title} | failed: ${section.error.replace(/\|/g, '/')} | | | | |`);
      continue;
    }
    for (const figure of headline(section.figures)) {
      const reference = figure.reference
        ? `${cell(figure.reference.value, figure.unit)} (${figure.reference.name})`
        : '';
      const ratio = figure.ratio && figure.ratio.runs > 0 ? `${formatNumber(figure.ratio.median)}×` : '';
      const target = figure.target
        ? `${figure.target.met ? 'met' : '**not met**'}: ${figure.target.text}`
        : '';
      lines.push(
        `| ${section.title} | ${figure.label} | ${cell(figure.ours, figure.unit)} | ${reference} | ${ratio} | ${target} |`.replace(
          /\n/g,
          ' ',
        ),
      );
    }
  }
  lines.push('');
  if (plot) {
    lines.push(`![${plot.title}](${plot.path})`, '');
  }
  lines.push(README_END);
  return lines.join('\n');
}

/**
 * Replaces the block between the markers in the README, formatted as the
 * repository's Prettier would (the format check covers the README); false
 * when the README has no markers.
 */
export async function updateReadme(path: string, block: string): Promise<boolean> {
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) {
    return false;
  }
  const next = text.slice(0, start) + block + text.slice(end + README_END.length);
  const options = (await prettier.resolveConfig(path)) ?? {};
  await writeFile(path, await prettier.format(next, { ...options, filepath: path }));
  return true;
}
