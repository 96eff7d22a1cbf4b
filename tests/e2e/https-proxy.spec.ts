import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expectDecoding, memberIdOf } from '../support/meeting.ts';
import { PROXY_ORIGIN, fetchVia, foreignUrls, startProxy, type RunningProxy } from '../support/proxy.ts';
import { PORT } from '../support/servers.ts';

/**
 * The service as it is meant to be hosted: behind the nginx TLS proxy of
 * infra/nginx. Two browsers meet through it; every request, WebSocket and
 * worker of their pages goes to the proxy's origin and nowhere else, the ICE
 * configuration names no outside server, and the proxy's answers carry the
 * security headers.
 */

/** Hosts an ICE server or a media candidate may name here: the loopback the SFU announces. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
/** The SFU's media ports (servers.ts: SFU_RTC_PORT = PORT + 100, two workers). */
const SFU_MEDIA_PORTS = new Set([PORT + 100, PORT + 101]);
const ONE_YEAR = 365 * 24 * 3600;
/** A request the test itself makes to show that the recorder flags a foreign origin. */
const PROBE_URL = 'https://127.0.0.2:9/probe';
const WORKER_PROBE_URL = 'https://127.0.0.2:9/worker-probe';

interface Recorder {
  /** Every request of the context's pages and workers (context 'request' event). */
  requests: string[];
  websockets: string[];
  workers: string[];
  serviceWorkers: string[];
  /** Socket.IO frames the pages received. */
  framesReceived: string[];
}

function record(context: BrowserContext): Recorder {
  const rec: Recorder = { requests: [], websockets: [], workers: [], serviceWorkers: [], framesReceived: [] };
  context.on('request', (request) => rec.requests.push(request.url()));
  context.on('serviceworker', (worker) => rec.serviceWorkers.push(worker.url()));
  context.on('page', (page) => {
    page.on('websocket', (ws) => {
      rec.websockets.push(ws.url());
      ws.on('framereceived', (frame) => rec.framesReceived.push(String(frame.payload)));
    });
    page.on('worker', (worker) => rec.workers.push(worker.url()));
  });
  return rec;
}

/**
 * Runs in every page before its scripts: keeps each RTCPeerConnection and the
 * configuration it was created with, to read its ICE servers and selected path.
 */
function recordPeerConnections(): void {
  const configs: unknown[] = [];
  const connections: RTCPeerConnection[] = [];
  const w = window as unknown as {
    __pcConfigs: unknown[];
    __pcs: RTCPeerConnection[];
    RTCPeerConnection: typeof RTCPeerConnection;
  };
  w.__pcConfigs = configs;
  w.__pcs = connections;
  const Original = window.RTCPeerConnection;
  w.RTCPeerConnection = new Proxy(Original, {
    construct(target, args: unknown[], newTarget) {
      try {
        configs.push(JSON.parse(JSON.stringify(args[0] ?? null)));
      } catch {
        configs.push('unserializable');
      }
      const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
      connections.push(pc);
      return pc;
    },
  });
}

interface Participant {
  context: BrowserContext;
  page: Page;
  rec: Recorder;
}

async function openContext(browser: Browser): Promise<{ context: BrowserContext; rec: Recorder }> {
  const context = await browser.newContext({ baseURL: PROXY_ORIGIN, ignoreHTTPSErrors: true });
  const rec = record(context);
  await context.addInitScript(recordPeerConnections);
  return { context, rec };
}

async function join(page: Page, name: string): Promise<void> {
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
  // Generous: joining sets up the camera, the E2EE worker and two transports, on a busy 2-core machine.
  await expect(page.getByTestId('leave-button')).toBeVisible({ timeout: 60_000 });
}

type HeaderList = { name: string; value: string }[];

/** The security headers every answer of the proxy must carry (values checked on every occurrence). */
function expectSecurityHeaders(label: string, headers: HeaderList): void {
  const all = (name: string): string[] =>
    headers.filter((h) => h.name.toLowerCase() === name).map((h) => h.value.trim());
  const hsts = all('strict-transport-security');
  expect(hsts.length, `${label}: Strict-Transport-Security`).toBeGreaterThanOrEqual(1);
  for (const value of hsts) {
    const maxAge = Number(/max-age=(\d+)/i.exec(value)?.[1] ?? NaN);
    expect(maxAge, `${label}: HSTS "${value}"`).toBeGreaterThanOrEqual(ONE_YEAR);
  }
  const csp = all('content-security-policy');
  expect(csp.length, `${label}: Content-Security-Policy`).toBeGreaterThanOrEqual(1);
  for (const policy of csp) {
    const directives = new Map(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map((d) => [d[0]!.toLowerCase(), d.slice(1)] as const),
    );
    expect(directives.get('default-src'), `${label}: CSP "${policy}"`).toEqual(["'self'"]);
    const scripts = directives.get('script-src') ?? directives.get('default-src') ?? [];
    expect(scripts, `${label}: CSP script-src "${policy}"`).not.toContain("'unsafe-inline'");
    expect(scripts, `${label}: CSP script-src "${policy}"`).not.toContain("'unsafe-eval'");
  }
  for (const [name, expected] of [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', 'no-referrer'],
    ['x-frame-options', 'deny'],
  ] as const) {
    const values = all(name);
    expect(values.length, `${label}: ${name}`).toBeGreaterThanOrEqual(1);
    for (const value of values) {
      // A duplicated header reaches the browser as one comma-joined value.
      for (const part of value.split(',')) {
        expect(part.trim().toLowerCase(), `${label}: ${name}: "${value}"`).toBe(expected);
      }
    }
  }
  const counts = ['strict-transport-security', 'content-security-policy', 'x-frame-options']
    .map((n) => `${n}×${all(n).length}`)
    .join(' ');
  process.stdout.write(`  ${label}: security headers ok (${counts})\n`);
}

/** Every value under `key` anywhere in the JSON arguments of Socket.IO frames. */
function valuesUnder(frames: string[], key: string): unknown[] {
  const found: unknown[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 12) {
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (k === key) {
        found.push(v);
      }
      visit(v, depth + 1);
    }
  };
  for (const frame of frames) {
    // Engine.IO "4" + Socket.IO type, optional "/namespace,", optional ack id, then JSON.
    const json = /^\d+(?:\/[^,[{]*,)?\d*([[{].*)$/s.exec(frame)?.[1];
    if (json) {
      try {
        visit(JSON.parse(json), 0);
      } catch {
        // not JSON: nothing to read
      }
    }
  }
  return found;
}

/** The URLs of RTCIceServer entries, whatever shape (string or array) they were given in. */
function iceServerUrls(servers: unknown): string[] {
  if (!Array.isArray(servers)) {
    return [];
  }
  return servers.flatMap((s: { urls?: unknown; url?: unknown }) => {
    const urls = s.urls ?? s.url;
    const list: unknown[] = Array.isArray(urls) ? urls : urls === undefined ? [] : [urls];
    // Anything that is not a string is kept as its JSON, so that the host check fails on it.
    return list.map((u) => (typeof u === 'string' ? u : JSON.stringify(u)));
  });
}

/** The host of a stun:/turn:/turns: URL (RFC 7064/7065: scheme:host[:port][?transport=...]). */
function iceUrlHost(url: string): string {
  const rest = url.replace(/^[a-z]+:/i, '').split('?')[0] ?? '';
  return rest.startsWith('[') ? rest.slice(0, rest.indexOf(']') + 1) : (rest.split(':')[0] ?? '');
}

interface PathReport {
  configs: unknown[];
  connections: number;
  selected: { local: string; remote: string; remotePort: number; protocol: string }[];
  localAddresses: string[];
}

/** The ICE configuration and the selected candidate pairs of every peer connection of `page`. */
async function mediaPaths(page: Page): Promise<PathReport> {
  return page.evaluate(async () => {
    const w = window as unknown as { __pcConfigs: unknown[]; __pcs: RTCPeerConnection[] };
    const selected: PathReport['selected'] = [];
    const localAddresses = new Set<string>();
    for (const pc of w.__pcs) {
      if (pc.connectionState === 'closed') {
        continue;
      }
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      stats.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
      for (const s of byId.values()) {
        if (s.type === 'local-candidate') {
          localAddresses.add(String(s.address ?? s.ip));
        }
        if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
          const pair = byId.get(s.selectedCandidatePairId);
          const local = pair && byId.get(String(pair.localCandidateId));
          const remote = pair && byId.get(String(pair.remoteCandidateId));
          if (local && remote) {
            selected.push({
              local: String(local.address ?? local.ip),
              remote: String(remote.address ?? remote.ip),
              remotePort: Number(remote.port),
              protocol: String(remote.protocol),
            });
          }
        }
      }
    }
    return {
      configs: w.__pcConfigs,
      connections: w.__pcs.length,
      selected,
      localAddresses: [...localAddresses],
    };
  });
}

let proxy: RunningProxy | undefined;

test.beforeAll(async ({ browser }) => {
  // Earlier specs in this worker leave their contexts open (joinAs never closes
  // them), and their meetings keep encoding and decoding video: close them, so
  // that this meeting does not share two cores with theirs.
  for (const context of browser.contexts()) {
    await context.close().catch(() => undefined);
  }
  proxy = await startProxy();
  process.stdout.write(`  proxy ${proxy.origin} (HTTP ${proxy.httpPort}), config: ${proxy.confPath}\n`);
});

// Playwright wants the fixtures argument destructured, even when none is used.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, testInfo) => {
  if (proxy && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('nginx', { body: await proxy.diagnostics(), contentType: 'text/plain' });
  }
});

test.afterAll(async () => {
  await proxy?.stop();
  proxy = undefined;
});

test('a full meeting through the TLS proxy talks only to its own origin', async ({ browser }) => {
  const started = Date.now();
  const running = proxy!;
  const participants: Participant[] = [];
  try {
    // Alice creates the meeting on the proxy's home page, then joins it there.
    const a = await openContext(browser);
    const alicePage = await a.context.newPage();
    const home = await alicePage.goto('/');
    expect(home?.status()).toBe(200);
    expectSecurityHeaders('home page (browser)', await home!.headersArray());
    const created = alicePage.waitForResponse(
      (r) => r.url() === `${PROXY_ORIGIN}/api/meetings` && r.request().method() === 'POST',
    );
    await alicePage.getByTestId('create-meeting').click();
    const apiResponse = await created;
    expect(apiResponse.status()).toBe(201);
    expectSecurityHeaders('POST /api/meetings (browser)', await apiResponse.headersArray());
    await expect(alicePage).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}#k=/);
    const meetingUrl = alicePage.url();
    expect(new URL(meetingUrl).origin).toBe(PROXY_ORIGIN);
    participants.push({ ...a, page: alicePage });
    await join(alicePage, 'Alice');

    // Bob opens the invite link (full https URL, fragment included).
    const b = await openContext(browser);
    const bobPage = await b.context.newPage();
    const bobDoc = await bobPage.goto(meetingUrl);
    expect(bobDoc?.status()).toBe(200);
    expectSecurityHeaders('meeting page (browser)', await bobDoc!.headersArray());
    participants.push({ ...b, page: bobPage });
    await join(bobPage, 'Bob');

    // Each decodes the other's video, so signaling (WebSocket through the proxy) and media work.
    const aliceId = await memberIdOf(bobPage, 'Alice');
    const bobId = await memberIdOf(alicePage, 'Bob');
    await expectDecoding(bobPage, aliceId, 'camera', 'video');
    await expectDecoding(alicePage, bobId, 'camera', 'video');
    for (const p of [alicePage, bobPage]) {
      await expect(p.getByTestId('e2ee-status')).toHaveAttribute('data-state', 'on');
    }

    for (const [name, { page, rec, context }] of [
      ['Alice', participants[0]!],
      ['Bob', participants[1]!],
    ] as const) {
      // (1) Every request, WebSocket and worker script is on the proxy's origin.
      const urls = [...rec.requests, ...rec.websockets, ...rec.workers];
      expect(foreignUrls(urls, PROXY_ORIGIN), `${name}: requests off the proxy's origin`).toEqual([]);
      expect(rec.websockets.length, `${name}: the room's WebSocket`).toBeGreaterThanOrEqual(1);
      for (const ws of rec.websockets) {
        expect(ws.startsWith(`wss://localhost:${running.port}/socket.io/`), ws).toBe(true);
      }
      expect(rec.serviceWorkers, `${name}: service workers`).toEqual([]);
      expect(context.serviceWorkers()).toEqual([]);
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(
        0,
      );
      const origins = [...new Set(urls.map((u) => (u.startsWith('blob:') ? 'blob:' : new URL(u).host)))];
      process.stdout.write(
        `  ${name}: ${rec.requests.length} requests, ${rec.websockets.length} WebSocket(s), ${rec.workers.length} worker(s); hosts: ${origins.join(', ')}\n`,
      );

      // (2) ICE: the server hands out no ICE servers, the page configures none
      // outside loopback, and media flows to the SFU's loopback ports.
      const serverIceFields = valuesUnder(rec.framesReceived, 'iceServers');
      const fromServer = serverIceFields.flatMap(iceServerUrls);
      const paths = await mediaPaths(page);
      const configured = paths.configs.flatMap((c) =>
        iceServerUrls((c as { iceServers?: unknown } | null)?.iceServers),
      );
      for (const url of [...fromServer, ...configured]) {
        expect(LOOPBACK_HOSTS.has(iceUrlHost(url)), `${name}: ICE server ${url}`).toBe(true);
      }
      expect(JSON.stringify(paths.configs)).not.toMatch(/google|stun\.|turn\./i);
      const candidates = valuesUnder(rec.framesReceived, 'iceCandidates').flat() as {
        address?: string;
        ip?: string;
        port?: number;
      }[];
      expect(candidates.length, `${name}: ICE candidates from the SFU`).toBeGreaterThanOrEqual(2);
      for (const c of candidates) {
        expect(LOOPBACK_HOSTS.has(String(c.address ?? c.ip)), JSON.stringify(c)).toBe(true);
        expect(SFU_MEDIA_PORTS.has(Number(c.port)), JSON.stringify(c)).toBe(true);
      }
      expect(paths.connections, `${name}: peer connections`).toBeGreaterThanOrEqual(2);
      expect(paths.selected.length, `${name}: selected ICE paths`).toBeGreaterThanOrEqual(2);
      for (const s of paths.selected) {
        expect(LOOPBACK_HOSTS.has(s.remote) && SFU_MEDIA_PORTS.has(s.remotePort), JSON.stringify(s)).toBe(
          true,
        );
      }
      for (const address of paths.localAddresses) {
        expect(address, `${name}: local ICE candidates`).toMatch(/^(127\.|::1$|\[::1\]$)/);
      }
      process.stdout.write(
        `  ${name}: ${paths.connections} peer connection(s), ICE server URLs from the server ${fromServer.length} (in ${serverIceFields.length} iceServers field(s)), configured ${configured.length}; ` +
          `${candidates.length} SFU candidates; selected ${paths.selected.map((s) => `${s.protocol} ${s.remote}:${s.remotePort}`).join(', ')}\n`,
      );
    }

    // (3) Negative control: the same recorder and check flag a request to
    // another origin, from a page and from a worker of Alice's context (on a
    // blank page, which has no CSP to stop them before the network).
    const probePage = await participants[0]!.context.newPage();
    await probePage.goto('about:blank');
    await probePage.evaluate(
      async ([probe, workerProbe]) => {
        await fetch(probe).catch(() => undefined);
        const source = `fetch(${JSON.stringify(workerProbe)}).catch(() => {}).finally(() => postMessage('done'));`;
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        await new Promise((resolve) => {
          worker.onmessage = resolve;
          setTimeout(resolve, 5000);
        });
        worker.terminate();
      },
      [PROBE_URL, WORKER_PROBE_URL] as const,
    );
    await probePage.close();
    const rec = participants[0]!.rec;
    const flagged = foreignUrls([...rec.requests, ...rec.websockets, ...rec.workers], PROXY_ORIGIN);
    expect(flagged, 'the recorder saw the page probe').toContain(PROBE_URL);
    expect(flagged, 'the recorder saw the worker probe').toContain(WORKER_PROBE_URL);
    expect(
      flagged.filter((u) => u !== PROBE_URL && u !== WORKER_PROBE_URL && !u.startsWith('blob:null/')),
      'nothing else was flagged',
    ).toEqual([]);
    // The check itself on known lists: same host but http:, another port, another host, a wss: twin.
    expect(
      foreignUrls(
        [
          `${PROXY_ORIGIN}/x`,
          `wss://localhost:${running.port}/socket.io/`,
          'data:text/plain,x',
          `blob:${PROXY_ORIGIN}/0d3f`,
          `http://localhost:${running.port}/x`,
          `https://localhost:${PORT}/x`,
          `http://127.0.0.1:${PORT}/x`,
          'https://stun.l.google.com/',
          `ws://localhost:${running.port}/socket.io/`,
          'blob:https://example.org/0d3f',
        ],
        PROXY_ORIGIN,
      ),
    ).toEqual([
      `http://localhost:${running.port}/x`,
      `https://localhost:${PORT}/x`,
      `http://127.0.0.1:${PORT}/x`,
      'https://stun.l.google.com/',
      `ws://localhost:${running.port}/socket.io/`,
      'blob:https://example.org/0d3f',
    ]);
  } finally {
    for (const p of participants) {
      await p.context.close().catch(() => undefined);
    }
  }
  process.stdout.write(`  meeting through the proxy: ${Math.round((Date.now() - started) / 1000)} s\n`);
});

test('the proxy answers with the security headers and sends plain HTTP to HTTPS', async () => {
  const running = proxy!;
  const page = await fetchVia(running, '/');
  expect(page.status).toBe(200);
  expectSecurityHeaders(
    'GET / (node)',
    page.rawHeaders.map(([name, value]) => ({ name, value })),
  );
  const api = await fetchVia(running, '/api/meetings', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(api.status).toBe(201);
  expectSecurityHeaders(
    'POST /api/meetings (node)',
    api.rawHeaders.map(([name, value]) => ({ name, value })),
  );
  // An error answered by the upstream keeps them too.
  const missing = await fetchVia(running, '/api/no-such-endpoint');
  expect(missing.status).toBe(404);
  expectSecurityHeaders(
    '404 (node)',
    missing.rawHeaders.map(([name, value]) => ({ name, value })),
  );

  // Metrics are for the operator only, not published through the proxy.
  const metrics = await fetchVia(running, '/metrics');
  expect(metrics.status).toBe(404);
  expect(metrics.body).not.toMatch(/confidentiel|process_cpu/i);
  // A client that does not name the site (another name, or none: by IP address) gets no certificate.
  for (const servername of ['other.example', null]) {
    await expect(fetchVia(running, '/', { servername }), `SNI ${servername}`).rejects.toThrow(
      /alert|handshake|unrecognized|SSL/i,
    );
  }

  const plain = await fetchVia(running, '/m/some-meeting?x=1', { plain: true });
  expect([301, 308]).toContain(plain.status);
  const location = new URL(String(plain.headers.location));
  expect(location.protocol).toBe('https:');
  expect(location.host).toBe(`localhost:${running.port}`);
  expect(`${location.pathname}${location.search}`).toBe('/m/some-meeting?x=1');
  process.stdout.write(`  plain HTTP -> ${plain.status} ${location.href}\n`);
});
