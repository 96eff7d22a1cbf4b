/** A repair the engine can make by itself. */
export type RepairKind = 'ice-restart' | 'media-rebuild';

/**
 * Which repairs the engine may make; asked each time one would start. The
 * default allows every repair; the browser tests' build injects one they
 * can switch off, for their negative controls.
 */
export interface RepairPolicy {
  allows(repair: RepairKind): boolean;
}

export const ALL_REPAIRS: RepairPolicy = { allows: () => true };
