import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expectDecoding, memberIdOf, progress } from '../support/meeting.ts';
import { forwardTcp, hasRoute, stopChild, Topology, type Forwarder } from '../support/netns.ts';
import { ROOT, TEST_WEB_DIST } from '../support/servers.ts';
import { restCredential, startCoturn, TurnClient, type RunningCoturn } from '../support/turn.ts';

/**
 * Relay-only media through a real TURN server (Debian's coturn, configured by
 * the project's template infra/coturn) with the REST credentials signaling
 * issues. The test builds its own network inside the private namespace the
 * browser tests run in:
 *
 *   this namespace: test + Chromium
 *     10.77.2.1 ─────────── 10.77.2.2  host "turn": coturn listens here
 *     10.77.3.1 ─────────── 10.77.3.2  host "sfu": signaling (HTTP, Socket.IO)
 *     127.0.0.1:<forwarder> -> 10.77.3.2:8080 (the page's origin)
 *   host "turn" 10.77.1.1 ── 10.77.1.2 host "sfu": coturn relays from .1.1 to the SFU's media on .1.2
 *
 * Only directly connected routes exist: the browser's namespace has none to
 * 10.77.1.0/24, so the SFU's media address is reachable only through coturn,
 * whose template denies every private range but the one allowed address
 * 10.77.1.2. Signaling runs with TURN_URLS, TURN_SECRET and
 * ICE_TRANSPORT_POLICY=relay on the SFU host.
 */

const NET = {
  browserTurn: '10.77.2.1',
  turnListen: '10.77.2.2',
  browserSfu: '10.77.3.1',
  signaling: '10.77.3.2',
  turnRelay: '10.77.1.1',
  sfuMedia: '10.77.1.2',
} as const;
const TURN_PORT = 3478;
const TURN_URL = `turn:${NET.turnListen}:${TURN_PORT}?transport=udp`;
const SIGNALING_PORT = 8080;
const SFU_RTC_PORT = 40000;
const CREDENTIAL_TTL = 600;
const SERVICE_LOG = join(ROOT, '.tools/reports/e2e-turn-relay-servers.log');
const READY_TIMEOUT_MS = 60_000;

interface RelayWorld {
  secret: string;
  /** The origin the pages load the app from (the loopback forwarder to signaling). */
  origin: string;
  coturn: RunningCoturn;
}

/** Builds the two test hosts, coturn, the service on the SFU host and the forwarder; `close` undoes it all. */
async function buildRelayWorld(): Promise<RelayWorld & { close(): Promise<void> }> {
  const secret = randomBytes(32).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'confidentiel-turn-relay-'));
  let topology: Topology | undefined;
  let forwarder: Forwarder | undefined;
  let coturn: RunningCoturn | undefined;
  let service: ChildProcess | undefined;
  const close = async (): Promise<void> => {
    await forwarder?.close().catch(() => undefined);
    if (service) {
      await stopChild(service, 5_000);
    }
    await coturn?.stop().catch(() => undefined);
    await topology?.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    topology = await Topology.create(
      ['turn', 'sfu'],
      [
        {
          a: { host: null, dev: 'ct-b-turn', address: `${NET.browserTurn}/24` },
          b: { host: 'turn', dev: 'ct-turn-b', address: `${NET.turnListen}/24` },
        },
        {
          a: { host: null, dev: 'ct-b-sfu', address: `${NET.browserSfu}/24` },
          b: { host: 'sfu', dev: 'ct-sfu-b', address: `${NET.signaling}/24` },
        },
        {
          a: { host: 'turn', dev: 'ct-turn-sfu', address: `${NET.turnRelay}/24` },
          b: { host: 'sfu', dev: 'ct-sfu-turn', address: `${NET.sfuMedia}/24` },
        },
      ],
    );
    coturn = await startCoturn({
      dir: join(dir, 'coturn'),
      secret,
      listeningIp: NET.turnListen,
      relayIp: NET.turnRelay,
      port: TURN_PORT,
      allowedPeerIps: [NET.sfuMedia],
      prefix: topology.host('turn').prefix,
      minPort: 49152,
      maxPort: 49352,
    });
    forwarder = await forwardTcp(NET.signaling, SIGNALING_PORT);
    const origin = `http://127.0.0.1:${forwarder.port}`;
    await mkdir(dirname(SERVICE_LOG), { recursive: true });
    const log = createWriteStream(SERVICE_LOG);
    service = topology.host('sfu').spawn([process.execPath, join(ROOT, 'scripts/serve.ts')], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN ?? '',
        HOST: NET.signaling,
        PORT: String(SIGNALING_PORT),
        ALLOWED_ORIGINS: origin,
        SFU_CONTROL_HOST: '127.0.0.1',
        SFU_CONTROL_PORT: '4001',
        SFU_CONTROL_SECRET: randomBytes(32).toString('hex'),
        SFU_WORKERS: '1',
        SFU_RTC_LISTEN_IP: NET.sfuMedia,
        SFU_RTC_PORT: String(SFU_RTC_PORT),
        TURN_URLS: TURN_URL,
        TURN_SECRET: secret,
        TURN_CREDENTIAL_TTL: String(CREDENTIAL_TTL),
        ICE_TRANSPORT_POLICY: 'relay',
        LOG_LEVEL: 'debug',
        SFU_LOG_LEVEL: 'debug',
        ALLOW_OPEN_MEETINGS: 'true',
        WEB_DIST: TEST_WEB_DIST,
        DATABASE_PATH: ':memory:',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout?.pipe(log);
    service.stderr?.pipe(log);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let ready = false; !ready;) {
      if (service.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `the service on the SFU host is not ready (exit ${service.exitCode}); see ${SERVICE_LOG}`,
        );
      }
      ready = await fetch(`http://${NET.signaling}:${SIGNALING_PORT}/readyz`, {
        signal: AbortSignal.timeout(2_000),
      })
        .then((res) => res.ok)
        .catch(() => false);
      if (!ready) {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return { secret, origin, coturn, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const test = base.extend<{ relay: RelayWorld }>({
  // Playwright reads the fixtures a fixture needs from this pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  relay: async ({}, use) => {
    const building = Date.now();
    const world = await buildRelayWorld();
    process.stdout.write(
      `  [${((Date.now() - building) / 1000).toFixed(1)} s] test hosts, coturn and the service up\n`,
    );
    try {
      await use(world);
    } finally {
      await world.close();
    }
  },
});

/**
 * Runs in every page before its scripts: keeps each RTCPeerConnection with the
 * configuration it was made with. With `forceNoTurn`, replaces the ICE
 * configuration by none at all and policy `all` (a participant that ignores
 * what signaling said). The native constructor stays at `__NativePC`.
 */
function recordPeerConnections(options: { forceNoTurn: boolean }): void {
  const w = window as unknown as {
    __pcs: { pc: RTCPeerConnection; config: unknown }[];
    __NativePC: typeof RTCPeerConnection;
    RTCPeerConnection: typeof RTCPeerConnection;
  };
  const Native = window.RTCPeerConnection;
  w.__NativePC = Native;
  w.__pcs = [];
  w.RTCPeerConnection = new Proxy(Native, {
    construct(target, args: unknown[], newTarget) {
      const given = (args[0] ?? {}) as RTCConfiguration;
      const config: RTCConfiguration = options.forceNoTurn
        ? { ...given, iceServers: [], iceTransportPolicy: 'all' }
        : given;
      const pc = Reflect.construct(target, [config, ...args.slice(1)], newTarget) as RTCPeerConnection;
      let copy: unknown;
      try {
        copy = JSON.parse(JSON.stringify(config));
      } catch {
        copy = 'unserializable';
      }
      w.__pcs.push({ pc, config: copy });
      return pc;
    },
  });
}

async function joinMeeting(
  browser: Browser,
  url: string,
  name: string,
  options: { forceNoTurn: boolean } = { forceNoTurn: false },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await context.addInitScript(recordPeerConnections, options);
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  await page.goto(url);
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
  // Generous: the camera, the E2EE worker and two transports, on a busy 2-core machine.
  await expect(page.getByTestId('leave-button')).toBeVisible({ timeout: 60_000 });
  return { context, page };
}

interface CandidateView {
  type?: string;
  address?: string;
  port?: number;
  protocol?: string;
  relayProtocol?: string;
}

interface PeerPath {
  connectionState: string;
  config: {
    iceServers?: { urls: string[] | string; username?: string; credential?: string }[];
    iceTransportPolicy?: string;
  };
  /** Types of every local candidate gathered. */
  localTypes: string[];
  selected: { local: CandidateView; remote: CandidateView; bytesSent: number; bytesReceived: number } | null;
}

/** The configuration, local candidates and selected pair of each media peer connection of `page`. */
async function peerPaths(page: Page): Promise<PeerPath[]> {
  return page.evaluate(async () => {
    const w = window as unknown as { __pcs: { pc: RTCPeerConnection; config: unknown }[] };
    const out: unknown[] = [];
    for (const { pc, config } of w.__pcs) {
      // mediasoup-client's capability probe is closed at once; only transports remain.
      if (pc.connectionState === 'closed') {
        continue;
      }
      const reports = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((r: Record<string, unknown>) => reports.set(String(r.id), r));
      const view = (r: Record<string, unknown> | undefined): Record<string, unknown> => ({
        type: r?.candidateType,
        address: r?.address,
        port: r?.port,
        protocol: r?.protocol,
        relayProtocol: r?.relayProtocol,
      });
      let selected: unknown = null;
      for (const r of reports.values()) {
        if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') {
          const pair = reports.get(r.selectedCandidatePairId);
          if (pair) {
            selected = {
              local: view(reports.get(String(pair.localCandidateId))),
              remote: view(reports.get(String(pair.remoteCandidateId))),
              bytesSent: pair.bytesSent,
              bytesReceived: pair.bytesReceived,
            };
          }
        }
      }
      const localTypes = [...reports.values()]
        .filter((r) => r.type === 'local-candidate')
        .map((r) => String(r.candidateType));
      out.push({ connectionState: pc.connectionState, config, localTypes, selected });
    }
    return out as PeerPath[];
  });
}

/**
 * A throwaway peer connection in the page, relay-only with `server`: which
 * candidate types it gathers and the ICE candidate errors. Stops at the first
 * relay candidate, 1 s after a final TURN refusal (401, 403, 437, 438), when
 * gathering completes, or after 8 s.
 */
async function gatherRelay(
  page: Page,
  server: { urls: string[]; username: string; credential: string },
): Promise<{ types: string[]; errors: { code: number; url: string }[] }> {
  return page.evaluate(async (iceServer) => {
    const Native = (window as unknown as { __NativePC: typeof RTCPeerConnection }).__NativePC;
    const pc = new Native({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
    const types: string[] = [];
    const errors: { code: number; url: string }[] = [];
    let done = (): void => undefined;
    const finished = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 8_000);
      done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate) {
        types.push(e.candidate.type ?? 'unknown');
        if (e.candidate.type === 'relay') {
          done();
        }
      }
    });
    pc.addEventListener('icecandidateerror', (e) => {
      errors.push({ code: e.errorCode, url: e.url });
      if ([401, 403, 437, 438].includes(e.errorCode)) {
        setTimeout(done, 1_000);
      }
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        done();
      }
    });
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await finished;
    pc.close();
    return { types, errors };
  }, server);
}

/** Sends one UDP datagram from this namespace and reports the error, if any. */
async function udpSendError(address: string, port: number): Promise<string | null> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<string | null>((resolve) => {
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      socket.send(Buffer.from('probe'), port, address, (error) =>
        resolve(error ? ((error as NodeJS.ErrnoException).code ?? error.message) : null),
      );
    });
  } finally {
    socket.close();
  }
}

test('relay-only media through a real coturn with signaling-issued REST credentials; expired credentials and direct paths fail', async ({
  browser,
  relay,
}) => {
  const started = Date.now();
  const mark = (what: string): void => {
    process.stdout.write(`  [+${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
  };
  const contexts: BrowserContext[] = [];
  try {
    // The network: the browser's side reaches coturn and signaling, never the SFU's media address.
    expect(await hasRoute(NET.turnListen)).toBe(true);
    expect(await hasRoute(NET.signaling)).toBe(true);
    expect(await hasRoute(NET.sfuMedia), 'the browser side must have no route to the SFU media').toBe(false);
    expect(await udpSendError(NET.sfuMedia, SFU_RTC_PORT)).toBe('ENETUNREACH');

    // coturn itself: REST credentials checked, expired refused, relaying only to the SFU.
    const now = Math.floor(Date.now() / 1000);
    const expired = restCredential(relay.secret, 'probe', now - 60);
    const fresh = restCredential(relay.secret, 'probe', now + CREDENTIAL_TTL);
    const forged = restCredential(randomBytes(32).toString('hex'), 'probe', now + CREDENTIAL_TTL);
    for (const [what, credential, expected] of [
      ['expired', expired, { kind: 'error', code: 401 }],
      ['forged', forged, { kind: 'error', code: 401 }],
    ] as const) {
      const client = await TurnClient.open(NET.turnListen, TURN_PORT);
      try {
        const { challenge, answer } = await client.allocate(credential.username, credential.credential);
        expect(challenge.code, `${what}: challenge`).toBe(401);
        expect(answer, `${what}: ${JSON.stringify(answer)}`).toMatchObject(expected);
      } finally {
        client.close();
      }
    }
    const client = await TurnClient.open(NET.turnListen, TURN_PORT);
    try {
      const { answer } = await client.allocate(fresh.username, fresh.credential);
      expect(answer, JSON.stringify(answer)).toMatchObject({
        kind: 'success',
        relayed: { address: NET.turnRelay },
      });
      expect(await client.createPermission(NET.sfuMedia)).toMatchObject({ kind: 'success' });
      for (const denied of [NET.signaling, NET.browserTurn, NET.turnRelay, '127.0.0.1', '169.254.169.254']) {
        expect(await client.createPermission(denied), `relaying to ${denied}`).toMatchObject({
          kind: 'error',
          code: 403,
        });
      }
      expect(await client.refresh(0)).toMatchObject({ kind: 'success' });
    } finally {
      client.close();
    }

    mark('network and coturn checked');

    // Alice creates a meeting on the service behind TURN.
    const homeContext = await browser.newContext();
    contexts.push(homeContext);
    const home = await homeContext.newPage();
    await home.goto(`${relay.origin}/`);
    await home.getByTestId('create-meeting').click();
    await expect(home).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}/);
    const meetingUrl = home.url();
    await homeContext.close();

    const alice = await joinMeeting(browser, meetingUrl, 'Alice');
    contexts.push(alice.context);
    const bob = await joinMeeting(browser, meetingUrl, 'Bob');
    contexts.push(bob.context);
    const aliceId = await memberIdOf(bob.page, 'Alice');
    const bobId = await memberIdOf(alice.page, 'Bob');
    mark('Alice and Bob joined');

    // Each decodes the other, through the relay only.
    const bobSeesAlice = await expectDecoding(bob.page, aliceId, 'camera', 'video');
    const aliceSeesBob = await expectDecoding(alice.page, bobId, 'camera', 'video');
    await expectDecoding(bob.page, aliceId, 'microphone', 'audio');
    mark('both decoding');

    for (const [who, page, memberId] of [
      ['Alice', alice.page, aliceId],
      ['Bob', bob.page, bobId],
    ] as const) {
      const paths = await peerPaths(page);
      expect(paths, `${who}: send and receive transports`).toHaveLength(2);
      for (const path of paths) {
        // What signaling said reached RTCPeerConnection unchanged: its TURN server, this member's credential.
        expect(path.config.iceTransportPolicy).toBe('relay');
        expect(path.config.iceServers).toHaveLength(1);
        const server = path.config.iceServers![0]!;
        expect(server.urls).toEqual([TURN_URL]);
        const [expiry, user] = (server.username ?? '').split(':');
        expect(user).toBe(memberId);
        expect(Number(expiry)).toBeGreaterThan(now + CREDENTIAL_TTL - 5);
        expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + CREDENTIAL_TTL);
        expect(server.credential).toBe(restCredential(relay.secret, memberId, Number(expiry)).credential);
        // Only relay candidates, and the path in use goes through coturn's relay address to the SFU.
        expect(path.connectionState).toBe('connected');
        expect(new Set(path.localTypes), `${who}: local candidate types`).toEqual(new Set(['relay']));
        expect(path.selected, `${who}: selected pair`).not.toBeNull();
        expect(path.selected!.local).toMatchObject({
          type: 'relay',
          address: NET.turnRelay,
          relayProtocol: 'udp',
        });
        expect(path.selected!.remote).toMatchObject({ address: NET.sfuMedia, port: SFU_RTC_PORT });
        expect(path.selected!.bytesReceived + path.selected!.bytesSent).toBeGreaterThan(0);
      }
      process.stdout.write(
        `  ${who}: ${paths
          .map(
            (p) =>
              `${p.selected!.local.type}(${p.selected!.local.address}) -> ${p.selected!.remote.type}(${p.selected!.remote.address}:${p.selected!.remote.port}) sent ${p.selected!.bytesSent} B, received ${p.selected!.bytesReceived} B`,
          )
          .join('; ')}\n`,
      );
    }

    mark('candidate pairs checked');

    // Negative control (a): in the same page, signaling's fresh credential gathers a relay candidate,
    // an expired one computed with the same secret gathers none (coturn answers 401).
    const issued = (await peerPaths(alice.page))[0]!.config.iceServers![0]!;
    const withIssued = await gatherRelay(alice.page, {
      urls: [TURN_URL],
      username: issued.username!,
      credential: issued.credential!,
    });
    expect(withIssued.types, JSON.stringify(withIssued)).toContain('relay');
    const stale = restCredential(relay.secret, aliceId, Math.floor(Date.now() / 1000) - 60);
    const withExpired = await gatherRelay(alice.page, { urls: [TURN_URL], ...stale });
    expect(withExpired.types, JSON.stringify(withExpired)).toEqual([]);
    expect(withExpired.errors.map((e) => e.code)).toContain(401);
    process.stdout.write(
      `  gathering: fresh credential -> [${withIssued.types.join(',')}], expired -> [${withExpired.types.join(',')}] errors ${JSON.stringify(withExpired.errors)}\n`,
    );

    mark('credentials checked in the page');

    // Negative control (b): a participant that ignores the relay policy and TURN cannot reach the SFU.
    const carol = await joinMeeting(browser, meetingUrl, 'Carol', { forceNoTurn: true });
    contexts.push(carol.context);
    expect(await memberIdOf(carol.page, 'Alice')).toBe(aliceId);
    // Joining took seconds already; a direct path, if there were one, would carry media within one.
    const carolSees = await progress(carol.page, aliceId, 'camera', 'video', 6_000);
    const carolPaths = await peerPaths(carol.page);
    expect(carolPaths).toHaveLength(2);
    for (const path of carolPaths) {
      expect(path.config.iceServers).toEqual([]);
      expect(path.config.iceTransportPolicy).toBe('all');
      expect(path.localTypes).not.toContain('relay');
      expect(path.connectionState).not.toBe('connected');
      expect(path.selected?.bytesReceived ?? 0).toBe(0);
    }
    expect(carolSees.after, `Carol decoded without a path: ${JSON.stringify(carolSees)}`).toBe(0);
    process.stdout.write(
      `  without TURN: Carol's transports ${carolPaths.map((p) => p.connectionState).join(',')}, local candidates ${[
        ...new Set(carolPaths.flatMap((p) => p.localTypes)),
      ].join(',')}, frames decoded ${carolSees.after}\n`,
    );
    mark('direct path refused');
    // The relayed pair is undisturbed.
    await expectDecoding(alice.page, bobId, 'camera', 'video');
    process.stdout.write(
      `  relay: Bob decoded +${bobSeesAlice.delta} frames of Alice, Alice +${aliceSeesBob.delta} of Bob (4 s each); ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s after the world was up\n`,
    );
  } finally {
    for (const context of contexts) {
      await context.close().catch(() => undefined);
    }
  }
});
