/** Everything the signaling section measured, for its figures, plots and notes. */
import type { Measured } from './measure.ts';
import type { ProfiledLoad } from './profileRun.ts';
import type { Ramp } from './ramp.ts';

export interface SignalingRuns {
  /** One node at the fixed rate, one entry per run. */
  ours: Measured[];
  /** The bare Socket.IO server at the same load, interleaved with `ours`. */
  bare: Measured[];
  ramps: Ramp[];
  bareRamp: Ramp | null;
  profiled: ProfiledLoad | null;
  /** The cluster: every join on node-1, and alternated over both nodes (interleaved). */
  one: Measured[];
  two: Measured[];
  clusterError: string | null;
  joinsPerRun: number;
  /** Joins of each warm-up load (JIT, SQLite pages, the SFU's first routers), not measured. */
  warmUpJoins: number;
  /** The cluster's load: lower than one node's (see CLUSTER_RATE). */
  clusterRate: number;
  clusterJoins: number;
  /** CPU ms per second with no load, by part: one node, and the cluster. */
  idle: Map<string, number> | null;
  clusterIdle: Map<string, number> | null;
  /** Redis commands per second with no load (leases, liveness, sessions saved ahead). */
  clusterIdleCommands: number | null;
}
