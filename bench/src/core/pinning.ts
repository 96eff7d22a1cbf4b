/**
 * Cores for the system under test and for the load: the SFU, Janus or the
 * signaling node run on one core, the bots and browsers on the other, so the
 * load generator never steals the measured process's CPU (`taskset`).
 */
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface Pinning {
  /** `taskset -c` list for the system under test, or null when the machine has one core. */
  sut: string | null;
  /** `taskset -c` list for the load generators (bots, browsers, this process). */
  load: string | null;
  /** As the report says it. */
  text: string;
}

export function choosePinning(): Pinning {
  const cores = availableParallelism();
  if (cores < 2) {
    return { sut: null, load: null, text: 'not pinned (one core): system under test and load share it' };
  }
  const sut = '0';
  const load = cores === 2 ? '1' : `1-${cores - 1}`;
  return {
    sut,
    load,
    text: `system under test on core ${sut}, load generators on core(s) ${load} (taskset), ${cores} cores`,
  };
}

/** The command line that runs `command` on `cores` (unchanged when cores is null). */
export function pinnedCommand(
  cores: string | null,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return cores === null ? [command, [...args]] : ['taskset', ['-c', cores, command, ...args]];
}

/** Moves a running process (all its threads) to `cores`. */
export function pinProcess(pid: number, cores: string | null): void {
  if (cores !== null) {
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
  }
}
