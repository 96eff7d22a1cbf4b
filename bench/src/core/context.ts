/** What every benchmark section receives from the runner. */
import type { SectionResult } from './figure.ts';
import type { Pinning } from './pinning.ts';

export interface BenchContext {
  /** The repository's root. */
  root: string;
  /** Runs per figure (at least 5 for the report; fewer with --quick). */
  runs: number;
  /** Shorter loads and fewer steps: to try the command, not to quote. */
  quick: boolean;
  pinning: Pinning;
  /** A scratch directory for this section's servers and logs (removed by the runner at the end). */
  workDir: string;
  /** Progress for the person running the bench (stderr). */
  log: (message: string) => void;
}

/** A benchmark section: one of the six measurements. */
export interface Section {
  id: string;
  title: string;
  run: (context: BenchContext) => Promise<SectionResult>;
}
