/**
 * The growth models of key distribution, fitted to what was measured: the
 * envelopes the protocol sends (focal rooms, exact counts) and the
 * per-member CPU (focal rooms, per run), extrapolated to 1,000; and the
 * bytes one relayed envelope costs the server (real runs without refusals).
 */
import { summarize, type Summary } from '../../core/stats.ts';
import type { FocalResult, MemberWork } from './focal.ts';
import { fitPolynomial, type Fit } from './model.ts';
import type { EventCount } from './realRoom.ts';
import type { KeysRuns } from './runs.ts';
import { refusedCount } from './traffic.ts';

export const TARGET_SIZE = 1000;

export type Role = 'newcomerJoin' | 'memberJoin' | 'memberLeave';
export const ROLES: readonly Role[] = ['newcomerJoin', 'memberJoin', 'memberLeave'];

export interface KeysModel {
  /** Focal sizes the fits use (the 1,000 check is left out of them). */
  sizes: number[];
  /** Envelopes for the whole room: a join (degree 1), a leave (degree 2). */
  joinFit: Fit;
  leaveFit: Fit;
  /** Bytes through the server per relayed envelope (request, acknowledgement, event), null if unmeasured. */
  bytesPerEnvelope: number | null;
  /** Per-member CPU fits (degree 1) of the first run, for the notes. */
  cpuFits: Record<Role, Fit>;
  /** Per-member CPU at 1,000, extrapolated run by run. */
  cpuAtTarget: Record<Role, Summary>;
}

export function eventBytes(event: EventCount): number {
  return event.traffic.bytesToServer + event.traffic.bytesFromServer;
}

function roleOf(result: FocalResult, role: Role): MemberWork {
  return result[role];
}

export function buildModel(runs: KeysRuns): KeysModel | null {
  const sizes = [...runs.focal.keys()].filter((n) => n < TARGET_SIZE).sort((a, b) => a - b);
  if (sizes.length < 3) {
    return null;
  }
  const first = sizes.map((n) => runs.focal.get(n)?.[0] as FocalResult);
  const joinFit = fitPolynomial(
    sizes,
    first.map((r) => r.joinEnvelopes),
    1,
  );
  const leaveFit = fitPolynomial(
    sizes,
    first.map((r) => r.leaveEnvelopes),
    2,
  );
  const perRun = (run: number, role: Role): Fit | null => {
    const results = sizes.map((n) => runs.focal.get(n)?.[run]);
    if (results.some((r) => r === undefined)) {
      return null;
    }
    return fitPolynomial(
      sizes,
      results.map((r) => roleOf(r as FocalResult, role).cpuMs),
      1,
    );
  };
  const cpuFits = {} as Record<Role, Fit>;
  const cpuAtTarget = {} as Record<Role, Summary>;
  for (const role of ROLES) {
    cpuFits[role] = perRun(0, role) as Fit;
    const predictions: number[] = [];
    for (let run = 0; run < runs.runs; run++) {
      const fit = perRun(run, role);
      if (fit) {
        predictions.push(fit.at(TARGET_SIZE));
      }
    }
    cpuAtTarget[role] = summarize(predictions);
  }
  // Bytes per envelope where nothing was refused (a refused request costs bytes but relays nothing).
  const clean = runs.real
    .flatMap((size) => [...size.joins, ...size.leaves])
    .filter((e) => refusedCount(e.traffic) === 0 && e.traffic.envelopesIn > 0);
  const bytesPerEnvelope =
    clean.length > 0 ? summarize(clean.map((e) => eventBytes(e) / e.traffic.envelopesIn)).median : null;
  return { sizes, joinFit, leaveFit, bytesPerEnvelope, cpuFits, cpuAtTarget };
}
