/**
 * Integration harness: a real SFU (real mediasoup worker) and a real signaling
 * server on loopback, driven over HTTP (fetch) and socket.io-client, the way a
 * browser would. Nothing is mocked. Every wait is bounded.
 */
import { createServer as createTcpServer } from 'node:net';
import { createSocket as createUdpSocket } from 'node:dgram';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import type { types } from 'mediasoup';
import {
  PROTOCOL_VERSION,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_ISSUER,
  type Ack,
  type ErrorBody,
  type Joined,
  type RequestOf,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { webcrypto } from 'node:crypto';
import { loadSfuConfig } from '../../../sfu/src/config.ts';
import { startSfu, type RunningSfu } from '../../../sfu/src/startSfu.ts';
import { loadSignalingConfig } from '../../src/config.ts';
import { ROOM_TOKEN_ISSUER, startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import { ROOM_AUDIENCE, ROOM_TOKEN_TYPE } from '../../src/socket/authenticate.ts';
import { roomKeyId } from '../../src/socket/roomTokens.ts';
import { startRedisServer, type RedisServer } from './redisServer.ts';

export type { ClientSocket };
export type RoomRequestName = keyof typeof roomRequests;

/** Default bound of every wait in these tests. */
export const WAIT_MS = 5_000;
/** The Origin every test browser sends (and signaling allows). */
export const ORIGIN = 'http://localhost:1234';
/** Key id signaling gives a room-token secret (see startSignaling). */
export { roomKeyId } from '../../src/socket/roomTokens.ts';

/**
 * The mediasoup worker binary comes from MEDIASOUP_WORKER_BIN (mediasoup reads
 * it). A test that needs a worker fails loudly when it is missing; it never
 * skips silently.
 */
export function requireWorkerBin(): string {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is not set: these tests need a real mediasoup worker. ' +
        'Run: export MEDIASOUP_WORKER_BIN="$(bash scripts/build-mediasoup-worker.sh | tail -n 1)"',
    );
  }
  return bin;
}

/** A free TCP port on loopback. */
export async function freeTcpPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port free for both UDP and TCP on loopback (a WebRtcServer binds both). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort();
    const udp = createUdpSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve();
      }
    });
    if (ok) {
      return port;
    }
  }
  throw new Error('no free UDP+TCP port found');
}

/** Lines written by a pino logger, kept in memory. */
export interface CapturedLogger {
  logger: Logger;
  lines: string[];
}

export function captureLogger(name: string, level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const logger = pino(
    { name, level, base: { service: name } },
    {
      write(line: string) {
        lines.push(line);
      },
    },
  );
  return { logger, lines };
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = WAIT_MS,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the first emission of `event` on `socket`, or rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(socket: ClientSocket, event: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${event}`));
    }, timeoutMs);
    const listener = (payload: T): void => {
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Records every server event a socket receives, by name. */
export function recordEvents(socket: ClientSocket): Map<string, unknown[]> {
  const seen = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => {
    const list = seen.get(event) ?? [];
    list.push(payload);
    seen.set(event, list);
  });
  return seen;
}

/** Sends a request and resolves with its raw acknowledgement. */
export async function request<K extends RoomRequestName>(
  socket: ClientSocket,
  name: K,
  payload: RequestOf<typeof roomRequests, K>,
  timeoutMs = WAIT_MS,
): Promise<Ack<ResponseOf<typeof roomRequests, K>>> {
  return (await socket.timeout(timeoutMs).emitWithAck(name, payload)) as Ack<
    ResponseOf<typeof roomRequests, K>
  >;
}

/** Sends anything under any event name and resolves with the raw acknowledgement. */
export async function rawRequest(
  socket: ClientSocket,
  name: string,
  args: unknown[],
  timeoutMs = WAIT_MS,
): Promise<unknown> {
  return socket.timeout(timeoutMs).emitWithAck(name, ...args);
}

/**
 * Like rawRequest, but waits out the per-socket rate limit (bounded), so tests
 * that send many requests still see the answer the request itself deserves.
 */
export async function patientRequest(socket: ClientSocket, name: string, args: unknown[]): Promise<unknown> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const ack = await rawRequest(socket, name, args);
    if (refusalOf(ack) !== 'rate-limited') {
      return ack;
    }
    await sleep(250);
  }
  throw new Error(`${name} stayed rate-limited`);
}

/** The data of a successful acknowledgement, or a thrown error naming the refusal. */
export function okData<T>(ack: Ack<T>): T {
  if (!ack.ok) {
    throw new Error(`expected ok, got refusal ${ack.error.reason}: ${ack.error.message}`);
  }
  return ack.data;
}

/** A `join` answer that admitted the member (a lobby answer fails the test). */
export function joined(answer: ResponseOf<typeof roomRequests, 'join'>): Joined {
  if (answer.status !== 'joined') {
    throw new Error(`expected to be admitted, got status ${answer.status} (${answer.reason})`);
  }
  return answer;
}

/** The refusal reason of an acknowledgement, or undefined if it was not a refusal. */
export function refusalOf(ack: unknown): string | undefined {
  if (typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === false) {
    return (ack as { error?: ErrorBody }).error?.reason;
  }
  return undefined;
}

/** What happened to a connection attempt. */
export type ConnectOutcome =
  | { kind: 'connected'; socket: ClientSocket }
  | { kind: 'refused'; message: string; data: unknown; socket: ClientSocket }
  | { kind: 'closed'; reason: string; socket: ClientSocket };

export interface ConnectOptions {
  auth?: unknown;
  /** The Origin header; `null` sends none. */
  origin?: string | null;
  namespace?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
}

/** Opens a socket.io-client connection (websocket only, no reconnection) and reports the outcome. */
export function attemptConnect(baseUrl: string, options: ConnectOptions = {}): Promise<ConnectOutcome> {
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  const socket = io(`${baseUrl}${options.namespace ?? '/room'}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: options.timeoutMs ?? WAIT_MS,
    ...(origin === null ? {} : { extraHeaders: { origin } }),
    ...(options.auth === undefined ? {} : { auth: options.auth as Record<string, unknown> }),
    ...(options.query ? { query: options.query } : {}),
  });
  return new Promise<ConnectOutcome>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        cleanup();
        socket.close();
        reject(new Error('connection attempt had no outcome in time'));
      },
      (options.timeoutMs ?? WAIT_MS) + 1_000,
    );
    const onConnect = (): void => {
      cleanup();
      resolve({ kind: 'connected', socket });
    };
    const onError = (error: Error & { data?: unknown }): void => {
      cleanup();
      socket.close();
      resolve({ kind: 'refused', message: error.message, data: error.data, socket });
    };
    const onDisconnect = (reason: string): void => {
      cleanup();
      socket.close();
      resolve({ kind: 'closed', reason, socket });
    };
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      socket.off('disconnect', onDisconnect);
    }
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    socket.on('disconnect', onDisconnect);
  });
}

/** Prometheus text -> value of one sample (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) {
      continue;
    }
    const got = (match[2] ?? '')
      .split(',')
      .filter((s) => s.length > 0)
      .sort()
      .join(',');
    if (got === wanted) {
      return Number(match[3]);
    }
  }
  return 0;
}

/** Every mediasoup object the SFU makes, seen through mediasoup's observers. */
export interface MediaIndex {
  routers: Map<string, types.Router>;
  transports: Map<string, types.Transport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

/** Starts indexing the objects created on `worker` (call before rooms exist). */
export function indexMedia(worker: types.Worker, index: MediaIndex): void {
  worker.observer.on('newrouter', (router) => {
    index.routers.set(router.id, router);
    router.observer.on('newtransport', (transport) => {
      index.transports.set(transport.id, transport);
      transport.observer.on('newproducer', (producer) => index.producers.set(producer.id, producer));
      transport.observer.on('newconsumer', (consumer) => index.consumers.set(consumer.id, consumer));
    });
  });
}

export interface SfuHarness {
  sfu: RunningSfu;
  secret: string;
  rtcPort: number;
  logs: CapturedLogger;
  media: MediaIndex;
  /** A valid control-channel token, as signaling would make it. */
  controlToken(): string;
  close(): Promise<void>;
}

/** A real SFU with one worker on loopback, on free ports. */
export async function startTestSfu(): Promise<SfuHarness> {
  requireWorkerBin();
  const secret = randomBytes(32).toString('hex');
  const rtcPort = await freeUdpTcpPort();
  const controlPort = await freeTcpPort();
  const config = loadSfuConfig({
    SFU_CONTROL_HOST: '127.0.0.1',
    SFU_CONTROL_PORT: String(controlPort),
    SFU_CONTROL_SECRET: secret,
    SFU_WORKERS: '1',
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_RTC_PORT: String(rtcPort),
    SFU_LOG_LEVEL: 'debug',
  });
  const logs = captureLogger('sfu');
  const sfu = await startSfu(config, logs.logger);
  const media: MediaIndex = {
    routers: new Map(),
    transports: new Map(),
    producers: new Map(),
    consumers: new Map(),
  };
  for (const slot of sfu.pool.slots) {
    indexMedia(slot.worker, media);
  }
  const controlTokens = new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: Buffer.from(secret, 'hex') }]),
    issuer: SFU_CONTROL_ISSUER,
  });
  return {
    sfu,
    secret,
    rtcPort,
    logs,
    media,
    controlToken: () =>
      controlTokens.issue({
        audience: SFU_CONTROL_AUDIENCE,
        typ: SFU_CONTROL_AUDIENCE,
        subject: 'signaling',
        ttlSeconds: 60,
      }).token,
    close: () => sfu.close(),
  };
}

export interface Member {
  socket: ClientSocket;
  token: string;
  events: Map<string, unknown[]>;
  join: Joined;
}

export interface Harness extends SfuHarness {
  signaling: RunningSignaling;
  baseUrl: string;
  tokenSecret: string;
  signalingLogs: CapturedLogger;
  /** Signs room tokens with signaling's own key (for crafted claims). */
  roomTokens: TokenService;
  createMeeting(): Promise<string>;
  joinToken(meetingId: string, displayName?: string): Promise<string>;
  /** Connects with a valid handshake; throws if refused. */
  connect(token: string, options?: ConnectOptions): Promise<ClientSocket>;
  /** Connects and joins; throws on any refusal. */
  joinMember(meetingId: string, displayName?: string): Promise<Member>;
  /** The Prometheus text of the metrics listener (not the public port, which has none). */
  metrics(): Promise<string>;
  /** Current `confidentiel_members` gauge. */
  memberCount(): Promise<number>;
  /** The Redis server holding the room state, when started with `redis`. */
  redis: RedisServer | undefined;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Room state in a real Redis of its own (REDIS_URL) instead of memory. By
   * default when SIGNALING_TEST_REDIS=1, so that any suite can be run against
   * Redis as it is against memory.
   */
  redis?: boolean;
}

/** A real SFU and a real signaling server wired together on loopback. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sfuHarness = await startTestSfu();
  const tokenSecret = randomBytes(32).toString('hex');
  const signalingLogs = captureLogger('signaling');
  let signaling: RunningSignaling;
  const useRedis = options.redis ?? process.env.SIGNALING_TEST_REDIS === '1';
  let redis: RedisServer | undefined;
  try {
    redis = useRedis ? await startRedisServer() : undefined;
    const config = loadSignalingConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      ALLOWED_ORIGINS: ORIGIN,
      SFU_URL: `http://127.0.0.1:${sfuHarness.sfu.controlPort}`,
      SFU_CONTROL_SECRET: sfuHarness.secret,
      TOKEN_SECRET: tokenSecret,
      LOG_LEVEL: 'debug',
      ALLOW_OPEN_MEETINGS: 'true',
      DATABASE_PATH: ':memory:',
      // Its own listener, on loopback, on any free port (as METRICS_PORT=9464 in production).
      METRICS_PORT: '0',
      ...(redis ? { REDIS_URL: redis.url } : {}),
    });
    signaling = await startSignaling(config, { logger: signalingLogs.logger });
  } catch (error) {
    await sfuHarness.close();
    await redis?.stop();
    throw error;
  }
  const baseUrl = signaling.url;
  const sockets = new Set<ClientSocket>();
  const roomTokens = new TokenService({
    keys: new KeyRing([
      { kid: roomKeyId(Buffer.from(tokenSecret, 'hex')), secret: Buffer.from(tokenSecret, 'hex') },
    ]),
    issuer: ROOM_TOKEN_ISSUER,
  });

  const harness: Harness = {
    ...sfuHarness,
    signaling,
    baseUrl,
    tokenSecret,
    signalingLogs,
    roomTokens,
    async createMeeting() {
      const res = await fetch(`${baseUrl}/api/meetings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (res.status !== 201) {
        throw new Error(`create meeting: HTTP ${res.status}`);
      }
      return ((await res.json()) as { meetingId: string }).meetingId;
    },
    async joinToken(meetingId, displayName = 'Ada') {
      const res = await fetch(`${baseUrl}/api/meetings/${meetingId}/join-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName }),
      });
      if (res.status !== 201) {
        throw new Error(`join token: HTTP ${res.status}`);
      }
      return ((await res.json()) as { token: string }).token;
    },
    async connect(token, options = {}) {
      const outcome = await attemptConnect(baseUrl, {
        auth: { token, protocolVersion: PROTOCOL_VERSION },
        ...options,
      });
      sockets.add(outcome.socket);
      if (outcome.kind !== 'connected') {
        throw new Error(
          `connection ${outcome.kind}: ${outcome.kind === 'refused' ? outcome.message : outcome.reason}`,
        );
      }
      return outcome.socket;
    },
    async joinMember(meetingId, displayName = 'Ada') {
      const token = await harness.joinToken(meetingId, displayName);
      const socket = await harness.connect(token);
      const events = recordEvents(socket);
      const join = joined(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
      return { socket, token, events, join };
    },
    async metrics() {
      if (signaling.metricsUrl === undefined) {
        throw new Error('the harness starts signaling with a metrics listener');
      }
      const res = await fetch(signaling.metricsUrl);
      return res.text();
    },
    async memberCount() {
      return metricValue(await harness.metrics(), 'confidentiel_members');
    },
    redis,
    async close() {
      for (const socket of sockets) {
        socket.close();
      }
      await signaling.close();
      await sfuHarness.close();
      await redis?.stop();
    },
  };
  return harness;
}

/** Signs a room token with the given claims (for tokens the HTTP API would never issue). */
export function roomToken(
  tokens: TokenService,
  claims: { room: string; name?: string },
  options: { audience?: string; typ?: string; subject?: string; ttlSeconds?: number } = {},
): string {
  return tokens.issue({
    audience: options.audience ?? ROOM_AUDIENCE,
    typ: options.typ ?? ROOM_TOKEN_TYPE,
    subject: options.subject ?? randomBytes(12).toString('base64url'),
    ttlSeconds: options.ttlSeconds ?? 60,
    claims: { name: 'Mallory', ...claims },
  }).token;
}

/** A well-formed meeting id that no meeting has. */
export function unknownMeetingId(): string {
  return randomBytes(16).toString('base64url');
}

/** A well-formed mediasoup id that names nothing. */
export function unknownMediaId(): string {
  return randomUUID();
}

/** Minimal valid DTLS parameters (mediasoup only checks them once ICE is up). */
export const dtlsParameters = {
  role: 'client' as const,
  fingerprints: [
    {
      algorithm: 'sha-256' as const,
      value: Array.from({ length: 32 }, () => 'AB').join(':'),
    },
  ],
};

/** RTP parameters of an Opus microphone, as a browser would send them. */
export function opusRtpParameters(ssrc = 11111111) {
  return {
    mid: '0',
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [],
      },
    ],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: 'harness', reducedSize: true },
  };
}

/** Real P-256 identity public keys, as a browser would announce them at join. */
export async function makeIdentity(): Promise<{ ecdh: string; sign: string }> {
  const raw = async (algorithm: webcrypto.EcKeyGenParams, usages: webcrypto.KeyUsage[]) => {
    const pair = await webcrypto.subtle.generateKey(algorithm, true, usages);
    return Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url');
  };
  return {
    ecdh: await raw({ name: 'ECDH', namedCurve: 'P-256' }, ['deriveBits']),
    sign: await raw({ name: 'ECDSA', namedCurve: 'P-256' }, ['sign', 'verify']),
  };
}

/** One identity shared by the test members (the server treats keys as opaque). */
export const TEST_IDENTITY = await makeIdentity();
