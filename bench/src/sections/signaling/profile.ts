/**
 * Where a process's CPU goes, from its V8 CPU profile (`node --cpu-prof`),
 * over a window of the bench's choosing: self time grouped by what spends it
 * (a package, a directory of the app, Node's own modules, the garbage
 * collector). Native frames (a `writev` syscall, a microtask run) are
 * charged to the nearest JavaScript caller's group, so "writes by ws" and
 * "writes by the SFU client" stay apart.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  group: string;
  ms: number;
  /** Of all the non-idle time in the window. */
  share: number;
  /** For a package's group: the repository's functions that called into it most (share of the group). */
  callers?: Array<{ name: string; share: number }>;
}

export interface ProfileSummary {
  /** Non-idle sampled time in the window, ms. */
  totalMs: number;
  groups: ProfileShare[];
  /** Heaviest functions by self time: `name (file:line)`. */
  functions: ProfileShare[];
}

/** Node's own modules (streams, net, events...). */
const NODE = 'node internals';

/** The group of a frame with a URL: a package, a directory of the repository, or a Node module. */
function groupOfUrl(url: string, root: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
  }
  if (url.startsWith('node:')) {
    return NODE;
  }
  if (url.startsWith('wasm://')) {
    return 'WebAssembly (SQLite)';
  }
  const path = url.replace(/^file:\/\//, '').replace(`${root}/`, '');
  // apps/signaling/src/socket/MemberSession.ts -> apps/signaling/src/socket
  return path.split('/').slice(0, 4).join('/');
}

/**
 * Summarises the samples taken between `fromUs` and `toUs` (the profile's
 * clock: CLOCK_MONOTONIC in µs, as `process.hrtime` in another process).
 */
export function summarizeProfile(path: string, root: string, fromUs: number, toUs: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const groupOf = new Map<number, string>();
  /** Node's own modules and native frames count for the nearest caller that is a package or the app. */
  const group = (id: number): string => {
    const known = groupOf.get(id);
    if (known !== undefined) {
      return known;
    }
    const node = byId.get(id);
    let result: string;
    if (!node) {
      result = '(unknown)';
    } else if (node.callFrame.functionName === '(garbage collector)') {
      result = 'garbage collector';
    } else {
      const own = node.callFrame.url ? groupOfUrl(node.callFrame.url, root) : undefined;
      const up = parent.get(id);
      const caller = up === undefined ? undefined : byId.get(up);
      const inherited =
        caller && caller.callFrame.functionName !== '(root)' ? group(up as number) : undefined;
      if (own !== undefined && own !== NODE) {
        result = own;
      } else if (own === NODE) {
        result = inherited ?? NODE;
      } else {
        // A native frame: a system call (writev) is the kernel's time, named apart from the JS.
        const name = node.callFrame.functionName || 'native';
        result = inherited === undefined ? name : `${name} (native, from ${inherited})`;
      }
    }
    groupOf.set(id, result);
    return result;
  };
  /** The nearest frame of the repository's own code (not a package, not Node): who asked for the work. */
  const ownCaller = new Map<number, string>();
  const callerOf = (id: number): string => {
    const known = ownCaller.get(id);
    if (known !== undefined) {
      return known;
    }
    const node = byId.get(id);
    const url = node?.callFrame.url ?? '';
    let result: string;
    if (url && !url.includes('node_modules/') && !url.startsWith('node:') && !url.startsWith('wasm:')) {
      result = `${node?.callFrame.functionName || '(anonymous)'} (${url.replace(/^.*\//, '')})`;
    } else {
      const up = parent.get(id);
      result = up === undefined ? '(none)' : callerOf(up);
    }
    ownCaller.set(id, result);
    return result;
  };
  const groups = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (at < fromUs || at > toUs || !node || node.callFrame.functionName === '(idle)') {
      return;
    }
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    totalMs += ms;
    const g = group(id);
    groups.set(g, (groups.get(g) ?? 0) + ms);
    const byCaller = callers.get(g) ?? new Map<string, number>();
    const who = callerOf(id);
    byCaller.set(who, (byCaller.get(who) ?? 0) + ms);
    callers.set(g, byCaller);
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? url.replace(/^.*\//, '') : 'native';
    const name = `${functionName || '(anonymous)'} (${file}:${lineNumber + 1}, ${g})`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  });
  const shares = (map: Map<string, number>, count: number): ProfileShare[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => ({ group: name, ms, share: totalMs > 0 ? ms / totalMs : 0 }));
  const top = shares(groups, 8).map((share) => {
    const byCaller = [...(callers.get(share.group) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
    return {
      ...share,
      callers: byCaller.slice(0, 2).map(([name, ms]) => ({ name, share: share.ms > 0 ? ms / share.ms : 0 })),
    };
  });
  return { totalMs, groups: top, functions: shares(functions, 5) };
}

/** "zod 11% (0.9 ms/join), ws 8% (...)": for the notes. */
export function describeShares(shares: readonly ProfileShare[], perUnit: number, unit: string): string {
  return shares
    .map((s) => {
      const from = (s.callers ?? [])
        .filter((c) => c.share >= 0.1 && !s.group.startsWith('apps/') && c.name !== '(none)')
        .map((c) => `${c.name} ${(c.share * 100).toFixed(0)}%`);
      const called = from.length > 0 ? `; called from ${from.join(', ')}` : '';
      return `${s.group} ${(s.share * 100).toFixed(0)}% (${(s.ms / perUnit).toFixed(2)} ms/${unit}${called})`;
    })
    .join('; ');
}
