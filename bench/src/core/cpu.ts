/**
 * CPU time of a process and all its descendants, read from /proc: what the
 * system under test costs (the SFU and its mediasoup workers, Janus, the
 * signaling node), independent of wall time on a noisy machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (utime and stime are counted in them). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in ms. */
  cpuMs: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { pid, ppid, cpuMs: (ticks * 1000) / CLOCK_TICKS };
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      const stat = readStat(Number(entry));
      if (stat) {
        stats.push(stat);
      }
    }
  }
  return stats;
}

/** CPU ms of each process in the trees rooted at `roots` (the roots included), by pid. */
export function treeCpu(roots: readonly number[]): Map<number, number> {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const result = new Map<number, number>();
  const queue = roots.map((pid) => byPid.get(pid)).filter((s): s is ProcStat => s !== undefined);
  while (queue.length > 0) {
    const stat = queue.pop() as ProcStat;
    if (result.has(stat.pid)) {
      continue;
    }
    result.set(stat.pid, stat.cpuMs);
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return result;
}

/** CPU ms this process has used (all its threads). */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Measures the CPU a process tree uses between `start()` and `stop()`.
 * Processes that appear in between count from zero; a process that exits in
 * between loses its time (the trees measured here live through a run).
 */
export class CpuMeter {
  readonly #roots: readonly number[];
  #before = new Map<number, number>();

  constructor(roots: readonly number[]) {
    this.#roots = roots;
  }

  start(): void {
    this.#before = treeCpu(this.#roots);
  }

  /** CPU ms used by the tree since `start()`. */
  stop(): number {
    const after = treeCpu(this.#roots);
    let total = 0;
    for (const [pid, ms] of after) {
      total += ms - (this.#before.get(pid) ?? 0);
    }
    return total;
  }
}
