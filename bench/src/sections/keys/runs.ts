/** Everything the keys section measured, for its figures, plots and notes. */
import type { FocalResult } from './focal.ts';
import type { EventCount } from './realRoom.ts';

/** One room size on the real service: a join and a leave per run. */
export interface RealSize {
  /** Members during the events (after the join, before the leave). */
  n: number;
  joins: EventCount[];
  leaves: EventCount[];
  /** Wall time of the room's set-up (joins through the server, keys in process), s. */
  setupSeconds: number;
}

export interface KeysRuns {
  real: RealSize[];
  /** Focal rooms in Node, CPU meter: size → one result per run. */
  focal: Map<number, FocalResult[]>;
  /** One focal room of 1,000 (a check of the extrapolation), when run. */
  focal1000: FocalResult | null;
  /** Focal rooms timed by the wall clock: in Chromium, and in Node side by side. */
  chromium: Map<number, FocalResult[]>;
  nodeWall: Map<number, FocalResult[]>;
  chromiumError: string | null;
  runs: number;
}
