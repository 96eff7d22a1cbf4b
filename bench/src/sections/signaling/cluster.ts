/**
 * Two signaling nodes on Redis (and PostgreSQL, one SFU), from the cluster
 * tests' process harness (tests/support/cluster.ts, used as is): every
 * process of it moved to the system-under-test core, logs at `warn` like
 * the single node's. Bots go to the nodes directly, not through its nginx,
 * so that the proxy's own cost stays out of the comparison; "one node" sends
 * every join to node-1 (node-2 idles), "two nodes" alternates them as the
 * proxy's round robin would, so half of each meeting's members enter through
 * the node that does not own it.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { treeCpu } from '../../core/cpu.ts';
import { pinProcess, type Pinning } from '../../core/pinning.ts';
import { startCluster, type Cluster } from '../../../../tests/support/cluster.ts';
import type { Deployment } from './measure.ts';

const run = promisify(execFile);

/** Redis's commands so far, by name (INFO commandstats; the INFO calls themselves left out). */
export async function redisCommands(url: string): Promise<Map<string, number>> {
  const { stdout } = await run('redis-cli', ['-u', url, 'INFO', 'commandstats'], { timeout: 5_000 });
  const counts = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const match = /^cmdstat_([a-z|_-]+):calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') {
      counts.set((match[1] as string).toUpperCase(), Number(match[2]));
    }
  }
  return counts;
}

export interface BenchCluster {
  one: Deployment;
  two: Deployment;
  stop: () => Promise<void>;
}

function pidOf(name: string, pid: number | undefined): number {
  if (pid === undefined) {
    throw new Error(`the cluster's ${name} is not running`);
  }
  return pid;
}

export async function startBenchCluster(pinning: Pinning): Promise<BenchCluster> {
  const cluster: Cluster = await startCluster({
    nodes: 2,
    env: { LOG_LEVEL: 'warn', SFU_LOG_LEVEL: 'warn' },
    name: 'bench-signaling',
  });
  const stop = async (): Promise<void> => {
    try {
      await cluster.stop();
    } finally {
      // The harness keeps its run's files for post-mortems; a bench run leaves nothing behind.
      await rm(cluster.runDir, { recursive: true, force: true });
    }
  };
  try {
    const nodes = cluster.nodes.map((n) => pidOf(n.id, n.pid));
    const sfu = pidOf('SFU', cluster.sfu.pid);
    const stores = [pidOf('Redis', cluster.redis.pid), pidOf('PostgreSQL', cluster.postgres.pid)];
    const proxy = pidOf('nginx', cluster.proxy.pid);
    // Started from this process, they run on the load core: every process of every tree moves.
    for (const pid of treeCpu([...nodes, sfu, ...stores, proxy]).keys()) {
      pinProcess(pid, pinning.sut);
    }
    const targets = cluster.nodes.map((n) => ({ baseUrl: n.url, origin: cluster.url }));
    const parts = [
      { part: 'signaling', pids: nodes },
      { part: 'SFU', pids: [sfu] },
      { part: 'Redis + PostgreSQL', pids: stores },
    ];
    const counters = (): Promise<Map<string, number>> => redisCommands(cluster.redis.url);
    const mainPid = nodes[0] as number;
    return {
      one: { name: 'one node on Redis', nodes: targets.slice(0, 1), parts, mainPid, counters },
      two: { name: 'two nodes on Redis', nodes: targets, parts, mainPid, counters },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
