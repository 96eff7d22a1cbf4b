/**
 * What a benchmark section hands to the report: figures (each against a
 * peer or a physical limit measured in the same run), series to plot, and
 * the notes that say why a figure is behind and what would close the gap.
 */
import type { Summary } from './stats.ts';

/** A target from the issue, and whether this run meets it. */
export interface Target {
  /** As a person reads it: "median < 800 ms". */
  text: string;
  met: boolean;
}

/** The same measurement on the peer (Janus, no E2EE, raw WebCrypto...), run side by side. */
export interface Reference {
  /** "Janus 1.1.2 VideoRoom", "raw AES-GCM (WebCrypto)", "E2EE off". */
  name: string;
  value: Summary;
}

export interface Figure {
  /** Stable key, used by the baseline guard: `section.name[.variant]`. */
  id: string;
  label: string;
  unit: string;
  ours: Summary;
  reference?: Reference;
  /** ours / reference, per run then summarised. */
  ratio?: Summary;
  /** Which direction is better for ours (and for the ratio). */
  better: 'lower' | 'higher';
  target?: Target;
  note?: string;
}

export interface Point {
  /** The line this point belongs to ("ours", "Janus"...). */
  series: string;
  x: number;
  y: number;
}

/** A plot: lines over a load axis. */
export interface Series {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  points: Point[];
  /** Log scale on y (latencies that explode past the knee). */
  logY?: boolean;
}

export interface SectionResult {
  id: string;
  title: string;
  figures: Figure[];
  series: Series[];
  /** Why a figure is behind and what would close it (from a profile), how it was measured, what is simulated. */
  notes: string[];
  /** Which cores ran the system under test and which the load (`taskset`). */
  pinning: string;
  /** Wall time of the section, seconds (set by the runner). */
  seconds?: number;
  /** When and at which commit it ran (set by the runner; a report may merge sections of several runs). */
  ranAt?: string;
  commit?: string;
  /** The section failed: why (its figures are then absent). */
  error?: string;
}
