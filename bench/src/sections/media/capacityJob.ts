/**
 * Item 6 of issue 13: what this machine carries through our SFU (one core
 * for the SFU, one for the bots): participants in one room (each sends audio
 * and simulcast video and receives everyone else), and rooms of 4, grown
 * until loss passes 1% or p99 passes 300 ms. The first ramp walks every
 * step; the next ones start a step below the knee found (the median of the
 * ramps is the figure).
 */
import type { Figure, Series } from '../../core/figure.ts';
import { summarize } from '../../core/stats.ts';
import type { LoadPlan, SfuUnderTest } from './driver.ts';
import type { JobContext, JobResult } from './job.ts';
import type { RunResult, RunSettings } from './measure.ts';
import { coresOf } from './kernelStats.ts';
import { socketDropNote } from './mediaNotes.ts';
import { kneeText, kneeValue, ramp, rampPoints, type RampOutcome, type RampStep } from './ramp.ts';

function settings(context: JobContext): RunSettings {
  return {
    warmupMs: 2_000,
    settleMs: 8_000,
    windowMs: context.quick ? 2_500 : 4_000,
    graceMs: 500,
    cores: { sut: coresOf(context.pinning.sut), load: coresOf(context.pinning.load) },
  };
}

const room = (participants: number): LoadPlan => ({ rooms: 1, participants, viewers: 0, layers: 3 });
const roomsOf4 = (rooms: number): LoadPlan => ({ rooms, participants: 4, viewers: 0, layers: 3 });

interface Shape {
  id: 'oneRoom' | 'roomsOf4';
  unit: string;
  label: string;
  steps: RampStep[];
}

function shapes(quick: boolean): Shape[] {
  const oneRoom = quick ? [4, 8, 12] : [4, 6, 8, 10, 12, 14, 16, 20];
  const rooms = quick ? [2, 6, 10] : [2, 4, 6, 8, 10, 12, 14];
  return [
    {
      id: 'oneRoom',
      unit: 'participants',
      label: 'Participants in one room (all send and receive all)',
      steps: oneRoom.map((n) => ({ load: n, plan: room(n) })),
    },
    {
      id: 'roomsOf4',
      unit: 'rooms',
      label: 'Rooms of 4 participants',
      steps: rooms.map((n) => ({ load: n, plan: roomsOf4(n) })),
    },
  ];
}

/** Ramps of one shape: the first complete, the next ones from the step below the first knee. */
async function ramps(
  context: JobContext,
  sfu: SfuUnderTest,
  shape: Shape,
  count: number,
): Promise<RampOutcome[]> {
  const outcomes: RampOutcome[] = [];
  for (let i = 0; i < count; i++) {
    let steps = shape.steps;
    const first = outcomes[0];
    if (first) {
      const at = shape.steps.findIndex((s) => s.load === first.knee);
      steps = shape.steps.slice(Math.max(0, at - 1));
    }
    context.log(
      `capacity ${shape.id}, ramp ${i + 1}/${count}: ${steps.map((s) => s.load).join(', ')} ${shape.unit}`,
    );
    const [outcome] = await ramp([sfu], steps, settings(context), context.log);
    outcomes.push(outcome as RampOutcome);
  }
  return outcomes;
}

export async function runCapacityJob(context: JobContext, sfu: SfuUnderTest): Promise<JobResult> {
  const count = context.quick ? 1 : Math.min(context.runs, 3);
  const figures: Figure[] = [];
  const series: Series[] = [];
  const notes: string[] = [
    'Our SFU alone (one mediasoup worker) on the system-under-test core, the bots (werift, real ICE/DTLS/SRTP) on the ' +
      'other core. Each participant sends Opus-like audio (50 packets/s) and VP8 simulcast (3 layers, 15/45/120 packets/s) ' +
      'and receives audio and the top layer of every other participant of its room. A step passes when loss ≤ 1% and ' +
      `p99 ≤ 300 ms over a ${settings(context).windowMs / 1000} s window after every stream flowed.`,
    `${count} ramp(s) per shape: the first walks every step, the next ones start one step below the first knee; ` +
      'the figure is the median knee, min and max over the ramps.',
  ];
  const allRuns: RunResult[] = [];
  for (const shape of shapes(context.quick)) {
    const outcomes = await ramps(context, sfu, shape, count);
    const knees = outcomes.map(kneeValue);
    const bound = outcomes.some((o) => o.generatorBound || o.ranOut);
    figures.push({
      id: `capacity.${shape.id}`,
      label: shape.label,
      unit: shape.unit,
      ours: summarize(knees),
      better: 'higher',
      note: outcomes.map(kneeText).join('; '),
    });
    allRuns.push(...outcomes.flatMap((o) => o.runs.map((r) => r.run)));
    if (bound) {
      notes.push(
        `${shape.label}: at least ${summarize(knees).median} ${shape.unit} (a lower bound): the ramps ended on the ` +
          'load generator (its whole core used, or lagging behind its schedule on a core shared with other processes) ' +
          'or on their last step, not on the SFU. An idle machine, or a second load machine, would find the SFU’s own limit.',
      );
    }
    series.push(
      {
        id: `capacity.${shape.id}.p99`,
        title: `${shape.label}: p99 latency`,
        xLabel: shape.unit,
        yLabel: 'p99 latency (ms)',
        points: rampPoints(outcomes.slice(0, 1), (r) => r.p99Ms),
        logY: true,
      },
      {
        id: `capacity.${shape.id}.loss`,
        title: `${shape.label}: loss`,
        xLabel: shape.unit,
        yLabel: 'loss (%)',
        points: rampPoints(outcomes.slice(0, 1), (r) => r.lossPct),
      },
      {
        id: `capacity.${shape.id}.cpu`,
        title: `${shape.label}: CPU of the SFU core and of the generator core`,
        xLabel: shape.unit,
        yLabel: 'core used (%)',
        points: [
          ...rampPoints(outcomes.slice(0, 1), (r) => r.sfuCorePct).map((p) => ({ ...p, series: 'SFU' })),
          ...rampPoints(outcomes.slice(0, 1), (r) => r.generatorCorePct).map((p) => ({
            ...p,
            series: 'generator',
          })),
        ],
      },
    );
  }
  notes.push(...socketDropNote(allRuns, null));
  return { figures, series, notes };
}
