/**
 * What /proc says about processes (Linux): a process's parent, group and
 * start time, a process tree, whether a process or a group is alive. Zombies
 * count as gone (whoever reaps them is not ours to wait for).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One process, told apart from a later one with the same pid by its start time. */
export interface ProcessId {
  pid: number;
  start: string;
}

export interface ProcStat {
  ppid: number;
  pgid: number;
  /** Start time since boot, in clock ticks. */
  start: string;
  zombie: boolean;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    start: fields[19] ?? '',
    zombie: fields[0] === 'Z',
  };
}

/** Live (not zombie) processes now: pid -> stat. */
export function snapshot(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (/^[0-9]+$/.test(entry)) {
      const stat = readStat(Number(entry));
      if (stat && !stat.zombie) {
        all.set(Number(entry), stat);
      }
    }
  }
  return all;
}

/** The processes of group `pgid` and every descendant of `root` (root included), now. */
export function treeOf(root: number, pgid: number): ProcessId[] {
  const all = snapshot();
  const children = new Map<number, number[]>();
  for (const [pid, stat] of all) {
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found = new Set<number>([...all].filter(([, s]) => s.pgid === pgid).map(([pid]) => pid));
  const queue = all.has(root) ? [root] : [];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found].map((pid) => ({ pid, start: all.get(pid)!.start }));
}

export function aliveProcess(p: ProcessId): boolean {
  const stat = readStat(p.pid);
  return stat !== undefined && !stat.zombie && stat.start === p.start;
}

/** Whether any live (not zombie) process is in group `pgid`. */
export function groupAlive(pgid: number): boolean {
  for (const stat of snapshot().values()) {
    if (stat.pgid === pgid) {
      return true;
    }
  }
  return false;
}
