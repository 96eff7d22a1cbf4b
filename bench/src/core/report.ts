/**
 * The results as a person reads them (Markdown) and as the baseline guard
 * reads them (JSON), with the plots beside them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Figure, SectionResult } from './figure.ts';
import type { MachineInfo } from './machine.ts';
import { renderSvg } from './plot.ts';
import type { Summary } from './stats.ts';

export interface BenchReport {
  /** Format of this file, for the guard. */
  format: 1;
  machine: MachineInfo;
  runs: number;
  quick: boolean;
  pinning: string;
  sections: SectionResult[];
}

/** A number with about three significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) {
    return Math.round(value).toLocaleString('en-US');
  }
  if (abs >= 10) {
    return value.toFixed(1);
  }
  if (abs >= 1) {
    return value.toFixed(2);
  }
  return value.toPrecision(2);
}

function summaryText(summary: Summary, unit: string): string {
  if (summary.runs === 0) {
    return 'n/a';
  }
  const range =
    summary.runs > 1
      ? ` (${formatNumber(summary.min)}–${formatNumber(summary.max)}, ${summary.runs} runs)`
      : '';
  return `**${formatNumber(summary.median)}** ${unit}${range}`;
}

function ratioText(figure: Figure): string {
  if (!figure.ratio || figure.ratio.runs === 0) {
    return '';
  }
  const r = figure.ratio;
  const range = r.runs > 1 ? ` (${formatNumber(r.min)}–${formatNumber(r.max)})` : '';
  return `**${formatNumber(r.median)}×**${range}`;
}

function targetText(figure: Figure): string {
  if (!figure.target) {
    return '';
  }
  return `${figure.target.met ? 'met' : '**not met**'}: ${figure.target.text}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function sectionMarkdown(section: SectionResult, plotDir: string, reportDate?: string): string {
  const when =
    section.ranAt && section.ranAt !== reportDate
      ? ` Ran ${section.ranAt.slice(0, 16).replace('T', ' ')} UTC at commit ${section.commit ?? '?'}.`
      : '';
  const took = section.seconds !== undefined ? ` Took ${section.seconds} s.` : '';
  const lines = [`### ${section.title}`, '', `_${section.pinning}.${took}${when}_`, ''];
  if (section.error) {
    lines.push(`**This section failed:** ${escapeCell(section.error)}`, '');
  }
  if (section.figures.length > 0) {
    lines.push('| figure | ours | reference | ratio ours/ref | target |', '|---|---|---|---|---|');
    for (const figure of section.figures) {
      const reference = figure.reference
        ? `${escapeCell(figure.reference.name)}: ${summaryText(figure.reference.value, figure.unit)}`
        : '';
      lines.push(
        `| ${escapeCell(figure.label)}${figure.note ? ` <br><sub>${escapeCell(figure.note)}</sub>` : ''} | ${summaryText(figure.ours, figure.unit)} | ${reference} | ${ratioText(figure)} | ${escapeCell(targetText(figure))} |`,
      );
    }
    lines.push('');
  }
  for (const series of section.series) {
    lines.push(`![${series.title}](${plotDir}/${series.id}.svg)`, '');
  }
  if (section.notes.length > 0) {
    lines.push(...section.notes.map((note) => `- ${note}`), '');
  }
  return lines.join('\n');
}

export function reportMarkdown(report: BenchReport, plotDir: string): string {
  const m = report.machine;
  const versions = Object.entries(m.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const lines = [
    `## Benchmark results (${m.date.slice(0, 10)}, commit ${m.commit})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Linux ${m.kernel}, Node ${m.node}.  `,
    `Versions: ${versions}.  `,
    `Each figure is the median of ${report.runs} runs${report.quick ? ' (quick mode: indicative only)' : ''}, with min–max; ratios are computed run by run, ours and the reference side by side.  `,
    `Pinning: ${report.pinning}.`,
    '',
  ];
  for (const section of report.sections) {
    lines.push(sectionMarkdown(section, plotDir, m.date));
  }
  return lines.join('\n');
}

/** Writes latest.json, latest.md and plots/*.svg into `dir`. */
export async function writeReport(report: BenchReport, dir: string): Promise<{ markdown: string }> {
  const plotDir = join(dir, 'plots');
  await mkdir(plotDir, { recursive: true });
  for (const section of report.sections) {
    for (const series of section.series) {
      await writeFile(join(plotDir, `${series.id}.svg`), await renderSvg(series));
    }
  }
  const markdown = reportMarkdown(report, 'plots');
  await writeFile(join(dir, 'latest.md'), markdown);
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { markdown };
}
