/**
 * Finding: `/metrics` (live room, member and connection counts) was served by
 * the public app, which matches paths case-insensitively and with a trailing
 * slash, while the proxy hid only the exact path. Now metrics have a listener
 * of their own on loopback (METRICS_PORT / METRICS_HOST), and the public port
 * answers 404 to every spelling of the path. Real SFU, real signaling.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSignalingConfig } from '../src/config.ts';
import { startSignaling } from '../src/startSignaling.ts';
import { captureLogger, metricValue, startHarness, WAIT_MS, type Harness } from './support/harness.ts';

/** Every way of writing the path that some server or proxy might fold into `/metrics`. */
const SPELLINGS = [
  '/metrics',
  '/metrics/',
  '/METRICS',
  '/Metrics',
  '/metrics?x',
  '/metrics/?x=1',
  '/%6detrics',
  '/%6D%65%74%72%69%63%73',
  '/metrics;',
  '/metrics;x=1',
  '//metrics',
  '/./metrics',
  '/api/../metrics',
  '/metrics%2f',
  '/metrics.',
];

/** What a Prometheus text answer contains. */
const PROMETHEUS_TEXT = /# (HELP|TYPE) |confidentiel_|process_cpu/;

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

/** A request with the path exactly as written (fetch would normalise some of them). */
function send(port: number, path: string, options: { host?: string; method?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: options.host ?? '127.0.0.1', port, path, method: options.method ?? 'GET', timeout: WAIT_MS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within ${WAIT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Whether a TCP connection to host:port is accepted (bounded). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: WAIT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no outcome connecting to ${host}:${port}`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        resolve(false);
      } else {
        reject(error);
      }
    });
  });
}

function portOf(url: string | undefined): number {
  if (url === undefined) {
    throw new Error('signaling started without a metrics listener');
  }
  return Number(new URL(url).port);
}

describe('metrics: a loopback listener of their own, nothing on the public port', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    // Someone in a room, so the counts an outsider must not see are not zero.
    await h.joinMember(await h.createMeeting(), 'Ada');
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('answers 404 without Prometheus text to every spelling of /metrics on the public port', async () => {
    for (const path of SPELLINGS) {
      const answer = await send(h.signaling.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(PROMETHEUS_TEXT);
    }
  });

  it('serves the live counts as Prometheus text on the metrics listener (positive control)', async () => {
    expect(h.signaling.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const port = portOf(h.signaling.metricsUrl);
    expect(port).not.toBe(h.signaling.port);
    for (const path of ['/metrics', '/metrics?x']) {
      const answer = await send(port, path);
      expect(answer.status, path).toBe(200);
      expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(answer.body).toContain('# HELP confidentiel_members');
      expect(metricValue(answer.body, 'confidentiel_members')).toBe(1);
      expect(metricValue(answer.body, 'confidentiel_rooms')).toBe(1);
    }
  });

  it('answers nothing but GET /metrics on the metrics listener, spelt exactly', async () => {
    const port = portOf(h.signaling.metricsUrl);
    for (const path of SPELLINGS.filter((p) => p !== '/metrics' && p !== '/metrics?x')) {
      const answer = await send(port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(PROMETHEUS_TEXT);
    }
    for (const path of ['/', '/healthz', '/api/config']) {
      expect((await send(port, path)).status, path).toBe(404);
    }
    const post = await send(port, '/metrics', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.body).not.toMatch(PROMETHEUS_TEXT);
  });

  it('listens on 127.0.0.1 only: another loopback address of this machine is refused', async () => {
    const port = portOf(h.signaling.metricsUrl);
    // Control: 127.0.0.2 is reachable here when something listens on it.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, '127.0.0.2', () => resolve());
    });
    try {
      const probePort = (probe.address() as { port: number }).port;
      expect(await accepts('127.0.0.2', probePort)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    }
    expect(await accepts('127.0.0.1', port)).toBe(true);
    // Bound to one address, not a wildcard: 127.0.0.2 (also loopback) gets no answer.
    expect(await accepts('127.0.0.2', port)).toBe(false);
  });
});

describe('metrics with METRICS_PORT unset', () => {
  it('opens no metrics listener, and the public port still answers 404 to /metrics', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'confidentiel-metrics-'));
    const logs = captureLogger('signaling');
    const config = loadSignalingConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      // Nothing listens there: signaling starts without its SFU.
      SFU_URL: 'http://127.0.0.1:9',
      SFU_CONTROL_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: dataDir,
      DATABASE_PATH: ':memory:',
      LOG_LEVEL: 'info',
    });
    const signaling = await startSignaling(config, { logger: logs.logger });
    try {
      expect(signaling.metricsUrl).toBeUndefined();
      const answer = await send(signaling.port, '/metrics');
      expect(answer.status).toBe(404);
      expect(answer.body).not.toMatch(PROMETHEUS_TEXT);
      const ready = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(ready.find((entry) => entry.msg === 'signaling ready')?.metricsPort).toBe('off');
    } finally {
      await signaling.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
