/**
 * User and system CPU of one process, from /proc/<pid>/stat: the system
 * part is the kernel's work for it (loopback TCP writes and reads, epoll),
 * which a V8 profile shows only as time inside a native `writev`, together
 * with the time the process was preempted there.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface ProcTimes {
  userMs: number;
  systemMs: number;
}

export function procTimes(pid: number): ProcTimes {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    userMs: (Number(fields[11]) * 1000) / CLOCK_TICKS,
    systemMs: (Number(fields[12]) * 1000) / CLOCK_TICKS,
  };
}

export function timesSince(pid: number, before: ProcTimes): ProcTimes {
  const now = procTimes(pid);
  return { userMs: now.userMs - before.userMs, systemMs: now.systemMs - before.systemMs };
}
