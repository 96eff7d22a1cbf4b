import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import {
  answeredBy,
  groupAlive,
  leftoverProcesses,
  startCluster,
  startedGroups,
  UPSTREAM_HEADER,
  type Cluster,
} from '../support/cluster.ts';

/**
 * The cluster harness (tests/support/cluster.ts) with today's signaling: two
 * nodes, Redis, PostgreSQL, the SFU and nginx from the production template
 * start; nginx balances over both nodes; a SIGKILLed node's requests go to
 * the other at once; the killed node comes back into the rotation after a
 * restart; Redis and PostgreSQL can be killed and restarted; stop() leaves
 * no process and no listening port behind. No browser: HTTP and a WebSocket
 * from Node only. REDIS_URL and DATABASE_URL reach the nodes only once
 * signaling's config accepts them (annotation "cluster settings passed").
 */

const run = promisify(execFile);
/** Requests through nginx in each round. */
const ROUND = 10;
/** After a node is SIGKILLed, nginx must answer every request from the other within this. */
const FAILOVER_BOUND_MS = 5_000;
/** A restarted node must be back in the rotation within this (fail_timeout 2 s + margin). */
const REJOIN_BOUND_MS = 10_000;

interface Answer {
  status: number;
  node: string | undefined;
  /** Every node nginx tried, in order (X-Cluster-Upstream). */
  tried: string[];
}

async function healthzThroughNginx(cluster: Cluster): Promise<Answer> {
  const response = await fetch(`${cluster.url}/healthz`, { signal: AbortSignal.timeout(3_000) });
  await response.body?.cancel();
  const tried = (response.headers.get(UPSTREAM_HEADER) ?? '')
    .split(/,\s*/)
    .filter((a) => a.length > 0)
    .map((a) => cluster.nodeAt(a)?.id ?? a);
  return { status: response.status, node: answeredBy(cluster, response)?.id, tried };
}

async function round(cluster: Cluster): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < ROUND; i++) {
    answers.push(await healthzThroughNginx(cluster));
  }
  return answers;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Through the production HTTPS server, trusting only the cluster's certificate. */
function httpsStatus(cluster: Cluster, path: string): Promise<number> {
  const url = new URL(cluster.httpsUrl);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: url.port,
        path,
        // The name, not the address: the template's catch-all servers take any other.
        headers: { host: url.host },
        servername: 'localhost',
        ca: cluster.certPem,
        timeout: 3_000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The engine.io open packet over a WebSocket through nginx: the upgrade reaches a node. */
function websocketOpens(cluster: Cluster): Promise<string> {
  const url = `${cluster.url.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`;
  // undici's WebSocket takes headers (Node only): signaling checks the Origin.
  const WebSocketWithHeaders = WebSocket as unknown as new (
    url: string,
    init: { headers: Record<string, string> },
  ) => WebSocket;
  const ws = new WebSocketWithHeaders(url, { headers: { origin: cluster.url } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error('no engine.io open packet within 5 s'));
    }, 5_000);
    ws.onmessage = (event) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(event.data));
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error('WebSocket through nginx failed'));
    };
  });
}

test('the cluster harness balances over two nodes, fails over a SIGKILLed one, and leaves nothing running', async () => {
  test.setTimeout(150_000);
  const timings: string[] = [];
  let mark = Date.now();
  const lap = (what: string): void => {
    timings.push(`${what} ${Date.now() - mark} ms`);
    mark = Date.now();
  };

  const cluster = await startCluster({ nodes: 2, web: true, name: 'cluster-harness' });
  lap('start');
  const ports = [
    new URL(cluster.url).port,
    new URL(cluster.httpsUrl).port,
    cluster.redis.port,
    cluster.postgres.port,
    new URL(cluster.sfu.controlUrl).port,
    ...cluster.nodes.map((n) => n.port),
  ].map(Number);
  try {
    test.info().annotations.push({
      type: 'cluster settings passed to the nodes',
      description: JSON.stringify(cluster.passed),
    });

    // Round robin: ten requests through nginx, both nodes answer.
    const first = await round(cluster);
    expect(first.map((a) => a.status)).toEqual(Array(ROUND).fill(200));
    expect(new Set(first.map((a) => a.node))).toEqual(new Set(['node-1', 'node-2']));
    // nginx's access log says the same, and each node answers on its own port.
    const logged = (await cluster.proxy.accessLog()).filter((e) => e.uri === '/healthz');
    expect(new Set(logged.map((e) => cluster.nodeAt(e.upstreams.at(-1) ?? '')?.id))).toEqual(
      new Set(['node-1', 'node-2']),
    );
    for (const node of cluster.nodes) {
      expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    }
    // The web app, the production HTTPS server and the WebSocket upgrade go through the same upstreams.
    const page = await fetch(`${cluster.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(await httpsStatus(cluster, '/healthz')).toBe(200);
    expect(await websocketOpens(cluster)).toMatch(/^0\{"sid":/);
    lap('balanced round');

    // SIGKILL node-1: nginx answers every request from node-2 at once.
    const victim = cluster.node('node-1');
    const victimPid = victim.pid!;
    await victim.kill('SIGKILL');
    expect(groupAlive(victimPid)).toBe(false);
    const killedAt = Date.now();
    const afterKill = await round(cluster);
    const failoverMs = Date.now() - killedAt;
    expect(afterKill.map((a) => a.status)).toEqual(Array(ROUND).fill(200));
    expect(afterKill.map((a) => a.node)).toEqual(Array(ROUND).fill('node-2'));
    // At least one request went to the dead node first and was passed on (proxy_next_upstream).
    expect(afterKill.some((a) => a.tried.join(',') === 'node-1,node-2')).toBe(true);
    expect(failoverMs).toBeLessThan(FAILOVER_BOUND_MS);
    lap(`failover round (${ROUND} answers in ${failoverMs} ms)`);

    // Restarted on the same port with the same settings, it is back in the rotation.
    await victim.restart();
    expect(victim.starts).toBe(2);
    await expect
      .poll(async () => (await healthzThroughNginx(cluster)).node, {
        timeout: REJOIN_BOUND_MS,
        intervals: [200],
      })
      .toBe('node-1');
    expect(await cluster.logs('node-1')).toMatch(/signaling ready[\s\S]*signaling ready/);
    lap('restart and rejoin');

    // Redis: killed (PING fails), started again empty on the same port.
    expect(await cluster.redis.ping()).toBe(true);
    await cluster.redis.kill();
    expect(await cluster.redis.ping()).toBe(false);
    await cluster.redis.start();
    expect(await cluster.redis.ping()).toBe(true);
    // PostgreSQL: the application's role writes over TCP with DATABASE_URL's
    // password; after a SIGKILL and a start (crash recovery) the row is there.
    const psql = (sql: string): Promise<string> =>
      run('psql', ['-X', '-A', '-t', '-c', sql, cluster.postgres.url], { timeout: 10_000 }).then((r) =>
        r.stdout.trim(),
      );
    await psql('CREATE TABLE harness_probe (v text); INSERT INTO harness_probe VALUES (current_user)');
    await cluster.postgres.kill();
    expect(leftoverProcesses().filter((p) => p.startsWith('postgres:'))).toEqual([]);
    await cluster.postgres.start();
    expect(await psql('SELECT v FROM harness_probe')).toBe('confidentiel');
    expect(await cluster.postgres.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'confidentiel'")).toBe(
      'f',
    );
    lap('redis and postgres kill/start');
  } finally {
    await cluster.stop();
    lap('stop');
    test.info().annotations.push({ type: 'timings', description: timings.join(', ') });
  }

  // Nothing left: no process the harness started (nor any descendant of one,
  // such as PostgreSQL's backends, which leave the group), no port listening.
  expect(startedGroups().filter((pgid) => groupAlive(pgid))).toEqual([]);
  expect(leftoverProcesses()).toEqual([]);
  const open: number[] = [];
  for (const port of ports) {
    if (await portOpen(port)) {
      open.push(port);
    }
  }
  expect(open).toEqual([]);
});
