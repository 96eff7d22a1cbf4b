/**
 * What the kernel says about a window: how long the load generator's main
 * thread waited, runnable, for its core (run_delay in schedstat), how much
 * of each pinned core other processes used (/proc/stat busy time minus
 * ours), the SFU's context switches, and UDP datagrams dropped on full
 * receive buffers. On a shared machine they say when a bad figure is the
 * machine's, not the SFU's, and where an SFU's CPU goes.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Run delay (ms) of this process's main thread (the generator's event loop), so far. */
export function mainThreadDelayMs(pid: number = process.pid): number {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ');
    return Number(fields[1] ?? 0) / 1e6;
  } catch {
    return 0;
  }
}

/** Cores of a `taskset -c` list ("0", "1-3", "0,2"). */
export function coresOf(list: string | null): number[] {
  if (list === null) {
    return [];
  }
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

const TICK_MS = 10;

/**
 * Busy time (ms) of `cores` so far: every state but idle and iowait, from
 * /proc/stat (USER_HZ ticks, 100 per second on Linux).
 */
export function coresBusyMs(cores: readonly number[]): number {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return 0;
  }
  let busy = 0;
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match || !cores.includes(Number(match[1]))) {
      continue;
    }
    const ticks = (match[2] as string).trim().split(/\s+/).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    busy += total - (ticks[3] ?? 0) - (ticks[4] ?? 0);
  }
  return busy * TICK_MS;
}

/**
 * Context switches (voluntary and not) of every thread of the processes
 * `pids`, so far, and their thread count: how an SFU spends its CPU besides
 * forwarding (a thread per peer wakes and sleeps per packet).
 */
export function contextSwitches(pids: Iterable<number>): { switches: number; threads: number } {
  let switches = 0;
  let threads = 0;
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        const count = (name: string): number =>
          Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
        switches += count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches');
        threads++;
      } catch {
        // thread exited meanwhile
      }
    }
  }
  return { switches, threads };
}

/**
 * Datagrams dropped so far on full receive buffers, per local UDP port of
 * this network namespace (the `drops` column of /proc/net/udp): whose
 * socket fell behind, the SFU's or a bot's.
 */
export function udpDropsByPort(): Map<number, number> {
  const drops = new Map<number, number>();
  let text: string;
  try {
    text = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return drops;
  }
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const dropped = Number(fields[12] ?? 0);
    if (local && dropped > 0) {
      const port = Number.parseInt(local.split(':')[1] ?? '0', 16);
      drops.set(port, (drops.get(port) ?? 0) + dropped);
    }
  }
  return drops;
}
