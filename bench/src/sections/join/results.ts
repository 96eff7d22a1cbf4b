/**
 * The join section's figures and plots, from the joins of each run: per run
 * a median and a p90 per variant, the E2EE/off ratio of the run's medians,
 * then across runs the median with min and max.
 */
import type { Figure, Series } from '../../core/figure.ts';
import { percentile, ratioSummary, summarize } from '../../core/stats.ts';
import type { JoinSample } from './measure.ts';
import { STEPS, medianTimeline, type Timeline } from './timeline.ts';

/** Joins of each run (index = run). */
export interface RunSamples {
  e2ee: JoinSample[][];
  off: JoinSample[][];
  lobby: JoinSample[][];
}

export const JOIN_TARGET_MS = 800;
export const RATIO_TARGET = 1.1;

type Pick = (s: JoinSample) => number;

function perRun(runs: readonly JoinSample[][], pick: Pick, p: number): number[] {
  return runs.map((samples) => {
    const values = samples.map(pick).filter((v) => Number.isFinite(v));
    return values.length === 0 ? Number.NaN : percentile(values, p);
  });
}

const joiner: Pick = (s) => s.joinerDecodes;
const member: Pick = (s) => s.memberDecodes;
const both: Pick = (s) => s.both;
const beforeToken: Pick = (s) => s.timeline.tokenStart;

function pair(
  id: string,
  label: string,
  runs: RunSamples,
  pick: Pick,
  p: number,
  target?: { text: string; limit: number },
): Figure {
  const ours = perRun(runs.e2ee, pick, p);
  const off = perRun(runs.off, pick, p);
  const oursSummary = summarize(ours);
  return {
    id,
    label,
    unit: 'ms',
    ours: oursSummary,
    reference: { name: 'E2EE off (control build)', value: summarize(off) },
    ratio: ratioSummary(ours, off),
    better: 'lower',
    ...(target ? { target: { text: target.text, met: oursSummary.median < target.limit } } : {}),
  };
}

export function joinFigures(runs: RunSamples): Figure[] {
  const ratios = ratioSummary(perRun(runs.e2ee, joiner, 50), perRun(runs.off, joiner, 50));
  const lobbyMedian = summarize(perRun(runs.lobby, both, 50));
  const figures: Figure[] = [
    pair(
      'join.median',
      'Click « Rejoindre » → first frame of the member decoded (median)',
      runs,
      joiner,
      50,
      {
        text: `median < ${JOIN_TARGET_MS} ms`,
        limit: JOIN_TARGET_MS,
      },
    ),
    pair('join.p90', 'Click « Rejoindre » → first frame of the member decoded (p90)', runs, joiner, 90),
    {
      id: 'join.ratio',
      label: 'E2EE join / same join with E2EE off (ratio of the run medians)',
      unit: '×',
      ours: ratios,
      better: 'lower',
      target: { text: `< ${RATIO_TARGET.toFixed(2)}`, met: ratios.median < RATIO_TARGET },
    },
    pair(
      'join.memberMedian',
      'Click « Rejoindre » → the member decodes the joiner (median)',
      runs,
      member,
      50,
    ),
    pair('join.bothMedian', 'Click « Rejoindre » → both decode each other (median)', runs, both, 50),
    pair(
      'join.browserCpu',
      'CPU of the browser (all pages, workers, GPU and network processes) from the click to both decoding (median)',
      runs,
      (s) => s.cpuMs,
      50,
    ),
    pair(
      'join.beforeToken',
      'Click → room token asked (E2EE session: identity keys, worker start) (median)',
      runs,
      beforeToken,
      50,
    ),
  ];
  if (runs.lobby.some((r) => r.length > 0)) {
    figures.push(
      {
        id: 'join.lobbyMedian',
        label: 'Host clicks « Admettre » → both decode each other (median, E2EE as shipped)',
        unit: 'ms',
        ours: lobbyMedian,
        better: 'lower',
        target: { text: `median < ${JOIN_TARGET_MS} ms`, met: lobbyMedian.median < JOIN_TARGET_MS },
      },
      {
        id: 'join.lobbyP90',
        label: 'Host clicks « Admettre » → both decode each other (p90, E2EE as shipped)',
        unit: 'ms',
        ours: summarize(perRun(runs.lobby, both, 90)),
        better: 'lower',
      },
    );
  }
  return figures;
}

/** Every join of every run, sorted: the distribution as percentile → ms. */
function cdf(name: string, runs: readonly JoinSample[][], pick: Pick): Series['points'] {
  const values = runs
    .flat()
    .map(pick)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  return values.map((y, i) => ({
    series: name,
    x: values.length === 1 ? 50 : Math.round((i / (values.length - 1)) * 1000) / 10,
    y: Math.round(y),
  }));
}

function stepPoints(name: string, timelines: readonly Timeline[]): Series['points'] {
  const medians = medianTimeline(timelines);
  return STEPS.map((step, i) => ({ series: name, x: i + 1, y: medians[step.key] }))
    .filter((p) => Number.isFinite(p.y))
    .map((p) => ({ ...p, y: Math.round(p.y) }));
}

export function joinSeries(runs: RunSamples): Series[] {
  return [
    {
      id: 'join.distribution',
      title: 'Join time, every join of every run (click or « Admettre » → first remote frame decoded)',
      xLabel: 'percentile of joins',
      yLabel: 'ms',
      points: [
        ...cdf('E2EE (joiner decodes member)', runs.e2ee, joiner),
        ...cdf('E2EE off (joiner decodes member)', runs.off, joiner),
        ...cdf('lobby, E2EE: admit → both decoding', runs.lobby, both),
      ],
    },
    {
      id: 'join.steps',
      title: 'Join timeline: median ms since the click at each step (steps numbered in the notes)',
      xLabel: 'step',
      yLabel: 'ms since the click',
      points: [
        ...stepPoints(
          'E2EE',
          runs.e2ee.flat().map((s) => s.timeline),
        ),
        ...stepPoints(
          'E2EE off',
          runs.off.flat().map((s) => s.timeline),
        ),
      ],
    },
  ];
}

/** The steps of the timeline plot, numbered, with their medians. */
export function stepNotes(runs: RunSamples): string[] {
  const on = medianTimeline(runs.e2ee.flat().map((s) => s.timeline));
  const off = medianTimeline(runs.off.flat().map((s) => s.timeline));
  const lobby = medianTimeline(runs.lobby.flat().map((s) => s.timeline));
  const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)}` : '–');
  return [
    'Timeline steps (median ms since the click: E2EE / off / lobby since « Admettre »):',
    ...STEPS.map(
      (step, i) =>
        `  ${i + 1}. ${step.label}: ${ms(on[step.key])} / ${ms(off[step.key])} / ${ms(lobby[step.key])}`,
    ),
  ];
}
