/** The keys section's figures and plots. */
import type { Figure, Point, Series } from '../../core/figure.ts';
import { ratioSummary, summarize, type Summary } from '../../core/stats.ts';
import { eventBytes, ROLES, TARGET_SIZE, type KeysModel, type Role } from './analysis.ts';
import type { FocalResult } from './focal.ts';
import type { EventCount } from './realRoom.ts';
import type { KeysRuns, RealSize } from './runs.ts';
import { refusedCount } from './traffic.ts';

/** Sizes quoted as figures (the plots have every size). */
const FIGURE_SIZES = [10, 100];
/** Chromium against Node, sizes quoted. */
const BROWSER_SIZES = [10, 100];

type Event = 'join' | 'leave';

const exact = (value: number): Summary => ({ median: value, min: value, max: value, runs: 1 });

function events(size: RealSize, event: Event): EventCount[] {
  return event === 'join' ? size.joins : size.leaves;
}

function realFigures(size: RealSize): Figure[] {
  const figures: Figure[] = [];
  for (const event of ['join', 'leave'] as const) {
    const list = events(size, event);
    const what = event === 'join' ? 'a join into' : 'a leave from';
    figures.push(
      {
        id: `keys.${event}.envelopes.${size.n}`,
        label: `Envelopes the server relays on ${what} a room of ${size.n}`,
        unit: 'envelopes',
        ours: summarize(list.map((e) => e.traffic.envelopesIn)),
        better: 'lower',
      },
      {
        id: `keys.${event}.bytes.${size.n}`,
        label: `Key-distribution bytes through the server on ${what} a room of ${size.n} (in + out)`,
        unit: 'bytes',
        ours: summarize(list.map(eventBytes)),
        better: 'lower',
      },
    );
    if (size.n >= 50) {
      figures.push(
        {
          id: `keys.${event}.refused.${size.n}`,
          label: `relayKey requests refused (rate-limited) on ${what} a room of ${size.n}`,
          unit: 'requests',
          ours: summarize(list.map((e) => refusedCount(e.traffic))),
          better: 'lower',
        },
        {
          id: `keys.${event}.missingKeys.${size.n}`,
          label: `Member pairs without the newest key once ${what} a room of ${size.n} settled`,
          unit: 'pairs',
          ours: summarize(list.map((e) => e.missingPairs)),
          better: 'lower',
        },
      );
    }
  }
  return figures;
}

function cpu(runs: readonly FocalResult[] | undefined, role: Role): Summary {
  return summarize((runs ?? []).map((r) => r[role].cpuMs));
}

/** Plot legends are short: the newcomer on its join, a member on someone's join, a member on a leave. */
const ROLE_SHORT: Record<Role, string> = {
  newcomerJoin: 'newcomer',
  memberJoin: 'join',
  memberLeave: 'leave',
};

const ROLE_LABEL: Record<Role, string> = {
  newcomerJoin: 'the newcomer, on its join',
  memberJoin: 'a member already there, on a join',
  memberLeave: 'a member that stays, on a leave',
};

export function keysFigures(runs: KeysRuns, model: KeysModel | null): Figure[] {
  const figures = runs.real.filter((s) => FIGURE_SIZES.includes(s.n)).flatMap(realFigures);
  for (const n of [...FIGURE_SIZES, 300]) {
    const focal = runs.focal.get(n);
    for (const role of ['newcomerJoin', 'memberLeave'] as const) {
      if (focal) {
        figures.push({
          id: `keys.${role === 'newcomerJoin' ? 'join.newcomerCpuMs' : 'leave.memberCpuMs'}.${n}`,
          label: `Key-distribution CPU of ${ROLE_LABEL[role]}, room of ${n} (real KeyManager, Node WebCrypto)`,
          unit: 'ms',
          ours: cpu(focal, role),
          better: 'lower',
        });
      }
    }
  }
  const focal300 = runs.focal.get(300)?.[0];
  if (focal300) {
    figures.push(
      {
        id: 'keys.join.envelopes.300',
        label: 'Envelopes on a join, room of 300 (simulated in process: what the server would relay)',
        unit: 'envelopes',
        ours: exact(focal300.joinEnvelopes),
        better: 'lower',
      },
      {
        id: 'keys.leave.envelopes.300',
        label: 'Envelopes on a leave, room of 300 (simulated in process: what the server would relay)',
        unit: 'envelopes',
        ours: exact(focal300.leaveEnvelopes),
        better: 'lower',
      },
    );
  }
  if (model) {
    const bytes = model.bytesPerEnvelope ?? Number.NaN;
    for (const event of ['join', 'leave'] as const) {
      const fit = event === 'join' ? model.joinFit : model.leaveFit;
      const envelopes = fit.at(TARGET_SIZE);
      figures.push(
        {
          id: `keys.${event}.envelopes.${TARGET_SIZE}`,
          label: `Envelopes on a ${event}, room of ${TARGET_SIZE} (extrapolated: ${fit.text})`,
          unit: 'envelopes',
          ours: exact(Math.round(envelopes)),
          better: 'lower',
        },
        {
          id: `keys.${event}.bytes.${TARGET_SIZE}`,
          label: `Bytes through the server on a ${event}, room of ${TARGET_SIZE} (extrapolated)`,
          unit: 'bytes',
          ours: exact(Math.round(envelopes * bytes)),
          better: 'lower',
        },
      );
    }
    figures.push(
      {
        id: `keys.join.newcomerCpuMs.${TARGET_SIZE}`,
        label: `Key-distribution CPU of the newcomer, room of ${TARGET_SIZE} (extrapolated, linear)`,
        unit: 'ms',
        ours: model.cpuAtTarget.newcomerJoin,
        better: 'lower',
      },
      {
        id: `keys.leave.memberCpuMs.${TARGET_SIZE}`,
        label: `Key-distribution CPU of a member on a leave, room of ${TARGET_SIZE} (extrapolated, linear)`,
        unit: 'ms',
        ours: model.cpuAtTarget.memberLeave,
        better: 'lower',
      },
    );
  }
  for (const n of BROWSER_SIZES) {
    const browser = runs.chromium.get(n);
    const node = runs.nodeWall.get(n);
    if (!browser || !node || browser.length !== node.length) {
      continue;
    }
    for (const role of ['newcomerJoin', 'memberLeave'] as const) {
      const ours = browser.map((r) => r[role].cpuMs);
      const reference = node.map((r) => r[role].cpuMs);
      figures.push({
        id: `keys.chromium.${role === 'newcomerJoin' ? 'join.newcomerMs' : 'leave.memberMs'}.${n}`,
        label: `Key distribution in Chromium: ${ROLE_LABEL[role]}, room of ${n} (page busy time)`,
        unit: 'ms',
        ours: summarize(ours),
        reference: { name: 'the same in Node (wall time)', value: summarize(reference) },
        ratio: ratioSummary(ours, reference),
        better: 'lower',
      });
    }
  }
  return figures;
}

function median(values: readonly number[]): number {
  return summarize(values).median;
}

export function keysSeries(runs: KeysRuns, model: KeysModel | null): Series[] {
  const envelopes: Point[] = [];
  const bytes: Point[] = [];
  const loss: Point[] = [];
  for (const size of runs.real) {
    for (const event of ['join', 'leave'] as const) {
      const list = events(size, event);
      envelopes.push({
        series: `${event}, relayed`,
        x: size.n,
        y: median(list.map((e) => e.traffic.envelopesIn)),
      });
      bytes.push({ series: `${event}, measured`, x: size.n, y: median(list.map(eventBytes)) });
      loss.push(
        {
          series: `${event}, refused`,
          x: size.n,
          y: median(list.map((e) => (100 * refusedCount(e.traffic)) / Math.max(1, e.traffic.relaySent))),
        },
        {
          series: `${event}, keys missing`,
          x: size.n,
          y: median(list.map((e) => (100 * e.missingPairs) / Math.max(1, e.members * (e.members - 1)))),
        },
      );
    }
  }
  if (model) {
    const sizes = [...new Set([...runs.real.map((s) => s.n), ...model.sizes, TARGET_SIZE])].sort(
      (a, b) => a - b,
    );
    for (const n of sizes) {
      envelopes.push(
        { series: 'join, model', x: n, y: model.joinFit.at(n) },
        { series: 'leave, model', x: n, y: model.leaveFit.at(n) },
      );
      if (model.bytesPerEnvelope !== null) {
        bytes.push(
          { series: 'join, model', x: n, y: model.joinFit.at(n) * model.bytesPerEnvelope },
          { series: 'leave, model', x: n, y: model.leaveFit.at(n) * model.bytesPerEnvelope },
        );
      }
    }
  }
  const cpuPoints: Point[] = [];
  const focalSizes = [...runs.focal.keys()].sort((a, b) => a - b);
  for (const n of focalSizes) {
    for (const role of ROLES) {
      cpuPoints.push({ series: `Node: ${ROLE_SHORT[role]}`, x: n, y: cpu(runs.focal.get(n), role).median });
    }
  }
  // The room of 1,000 is run once: the lines' last point.
  const once = runs.focal1000;
  if (once) {
    for (const role of ROLES) {
      cpuPoints.push({ series: `Node: ${ROLE_SHORT[role]}`, x: TARGET_SIZE, y: once[role].cpuMs });
    }
  }
  for (const [n, list] of [...runs.chromium].sort((a, b) => a[0] - b[0])) {
    for (const role of ['newcomerJoin', 'memberLeave'] as const) {
      cpuPoints.push({ series: `Chromium: ${ROLE_SHORT[role]}`, x: n, y: cpu(list, role).median });
    }
  }
  return [
    {
      id: 'keys.envelopesVsSize',
      title: 'Key envelopes per membership change vs room size',
      xLabel: 'members in the room',
      yLabel: 'envelopes',
      logY: true,
      points: envelopes,
    },
    {
      id: 'keys.bytesVsSize',
      title: 'Key-distribution bytes through the server per change vs room size',
      xLabel: 'members in the room',
      yLabel: 'bytes',
      logY: true,
      points: bytes,
    },
    {
      id: 'keys.cpuVsSize',
      title: 'Key-distribution CPU per member: newcomer, member on a join, on a leave',
      xLabel: 'members in the room',
      yLabel: 'ms per change',
      logY: true,
      points: cpuPoints,
    },
    {
      id: 'keys.lossVsSize',
      title: 'Requests refused by the server and keys missing after a change (%)',
      xLabel: 'members in the room',
      yLabel: '%',
      points: loss,
    },
  ];
}
