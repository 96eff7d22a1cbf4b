/**
 * One row per room size and change: the MLS simulation's medians next to today's pairwise
 * figures. What the table, the report's figures and the plots are made of.
 */
import { summarize, type Summary } from '../../core/stats.ts';
import {
  pairwiseEnvelopes,
  pairwiseMessages,
  type Event,
  type PairwiseBaseline,
  type PairwiseCpu,
} from './pairwise.ts';
import type { EventCost } from './roomSim.ts';
import type { MlsSimulation } from './simulate.ts';

export interface MlsRow {
  readonly n: number;
  readonly event: Event;
  /** Messages signaling receives and sends (requests + one event per recipient). */
  readonly messages: Summary;
  /** Bytes it receives and sends (requests, acknowledgements, events). */
  readonly bytes: Summary;
  readonly committerMs: Summary;
  /** Every sampled member of every run. */
  readonly memberMs: Summary;
  readonly newcomerMs: Summary | null;
  readonly sframeMs: Summary;
  readonly chars: {
    readonly keyPackage: number | null;
    readonly commit: number;
    readonly welcome: number | null;
  };
  /** Protocol limits a message of this change exceeds (signaling would refuse it). */
  readonly overLimits: readonly string[];
  readonly pairwise: {
    readonly envelopes: number;
    readonly messages: number;
    /** null without the keys section's results. */
    readonly bytes: number | null;
    readonly newcomer: PairwiseCpu | null;
    readonly member: PairwiseCpu | null;
  };
}

const total = (e: EventCost): number => e.traffic.bytesIn + e.traffic.bytesOut;

function row(
  n: number,
  event: Event,
  costs: readonly EventCost[],
  baseline: PairwiseBaseline | null,
): MlsRow {
  const first = costs[0];
  if (first === undefined) {
    throw new TypeError(`no ${event} measured in the room of ${n}`);
  }
  const newcomer = costs.flatMap((c) => (c.newcomerMs === null ? [] : [c.newcomerMs]));
  const envelopes = pairwiseEnvelopes(event, n);
  return {
    n,
    event,
    messages: summarize(costs.map((c) => c.traffic.messagesIn + c.traffic.messagesOut)),
    bytes: summarize(costs.map(total)),
    committerMs: summarize(costs.map((c) => c.committerMs)),
    memberMs: summarize(costs.flatMap((c) => c.memberMs)),
    newcomerMs: newcomer.length > 0 ? summarize(newcomer) : null,
    sframeMs: summarize(costs.map((c) => c.sframeMs)),
    chars: {
      keyPackage: first.wire.keyPackage?.length ?? null,
      commit: first.wire.commit.length,
      welcome: first.wire.welcome?.length ?? null,
    },
    overLimits: [
      ...new Set(costs.flatMap((c) => c.traffic.overLimits.map((o) => `${o.message} (${o.limit})`))),
    ],
    pairwise: {
      envelopes,
      messages: pairwiseMessages(event, n),
      bytes: baseline === null ? null : envelopes * baseline.bytesPerEnvelope,
      newcomer: event === 'join' ? (baseline?.cpu('newcomer', n) ?? null) : null,
      member: baseline?.cpu(event === 'join' ? 'memberJoin' : 'memberLeave', n) ?? null,
    },
  };
}

export function mlsRows(simulation: MlsSimulation, baseline: PairwiseBaseline | null): MlsRow[] {
  return simulation.sizes.flatMap((size) => [
    row(size.n, 'join', size.joins, baseline),
    row(size.n, 'leave', size.leaves, baseline),
  ]);
}
