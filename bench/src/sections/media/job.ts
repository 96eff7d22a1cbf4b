/**
 * What a media job (mediaJob.ts, capacityJob.ts) receives and returns. The
 * jobs run in a child process inside the bench network namespace
 * (child.ts); the section (index.ts) turns their result into its own.
 */
import type { Figure, Series } from '../../core/figure.ts';
import type { Pinning } from '../../core/pinning.ts';

export type JobName = 'media' | 'capacity';

export interface JobContext {
  root: string;
  runs: number;
  quick: boolean;
  pinning: Pinning;
  workDir: string;
  log: (message: string) => void;
}

export interface JobResult {
  figures: Figure[];
  series: Series[];
  notes: string[];
}

/** The child's arguments (JSON, argv[2]). */
export interface ChildArgs {
  job: JobName;
  root: string;
  runs: number;
  quick: boolean;
  pinning: Pinning;
  workDir: string;
  /** Where the child writes its JobResult (JSON). */
  resultFile: string;
  /** `namespace`: the bench network (veth) exists to be made, Janus can run; `loopback`: ours only. */
  network: 'namespace' | 'loopback';
}
