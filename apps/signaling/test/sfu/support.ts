/**
 * Several SFU hosts for a test: in this process (`startSfu`, its mediasoup
 * objects indexed) or as child processes (`node apps/sfu/src/main.ts`) a test
 * can SIGKILL; and signaling over them (SFU_URLS). Real workers, loopback,
 * free ports, bounded waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION, SFU_CONTROL_AUDIENCE, SFU_CONTROL_ISSUER } from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { loadSfuConfig } from '../../../sfu/src/config.ts';
import { startSfu, type RunningSfu } from '../../../sfu/src/startSfu.ts';
import { loadSignalingConfig } from '../../src/config.ts';
import { createSfuCluster } from '../../src/sfu/createSfuCluster.ts';
import type { SfuCluster } from '../../src/sfu/SfuCluster.ts';
import { SfuConnection } from '../../src/sfu/SfuConnection.ts';
import { startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import {
  attemptConnect,
  captureLogger,
  freeTcpPort,
  freeUdpTcpPort,
  indexMedia,
  joined,
  okData,
  ORIGIN,
  recordEvents,
  request,
  requireWorkerBin,
  TEST_IDENTITY,
  waitFor,
  type CapturedLogger,
  type ClientSocket,
  type MediaIndex,
  type Member,
} from '../support/harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** How long a child SFU may take to listen (its mediasoup worker starts first). */
const CHILD_READY_MS = 20_000;

export interface TestHost {
  /** Its id in signaling: the control URL's origin. */
  id: string;
  controlPort: number;
  /** In this process only: the SFU and every mediasoup object it made. */
  sfu: RunningSfu | undefined;
  media: MediaIndex;
  logs: CapturedLogger | undefined;
  /** A child process's pid. */
  pid: number | undefined;
  /** SIGKILL (a child) or a close (in this process). */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export interface HostOptions {
  /** SFU_ENABLE_TEST_TAP. */
  testTap?: boolean;
  /** REDIS_URL: the host registers itself (with SFU_PUBLIC_CONTROL_URL, its own). */
  redisUrl?: string;
  /** Sets SFU_PUBLIC_CONTROL_URL (tokens must then name this host). */
  publicUrl?: boolean;
}

/** A shared SFU_CONTROL_SECRET for a test's hosts and signaling. */
export function controlSecret(): string {
  return randomBytes(32).toString('hex');
}

async function hostEnv(secret: string, options: HostOptions): Promise<Record<string, string>> {
  const controlPort = await freeTcpPort();
  const url = `http://127.0.0.1:${controlPort}`;
  return {
    SFU_CONTROL_HOST: '127.0.0.1',
    SFU_CONTROL_PORT: String(controlPort),
    SFU_CONTROL_SECRET: secret,
    SFU_WORKERS: '1',
    SFU_RTC_LISTEN_IP: '127.0.0.1',
    SFU_RTC_PORT: String(await freeUdpTcpPort()),
    SFU_ENABLE_TEST_TAP: options.testTap === true ? 'true' : 'false',
    SFU_LOG_LEVEL: 'debug',
    ...(options.publicUrl === true || options.redisUrl !== undefined ? { SFU_PUBLIC_CONTROL_URL: url } : {}),
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
  };
}

/** An SFU host in this process. */
export async function startHost(secret: string, options: HostOptions = {}): Promise<TestHost> {
  requireWorkerBin();
  const env = await hostEnv(secret, options);
  const logs = captureLogger('sfu');
  const sfu = await startSfu(loadSfuConfig(env), logs.logger);
  const media: MediaIndex = {
    routers: new Map(),
    transports: new Map(),
    producers: new Map(),
    consumers: new Map(),
  };
  for (const slot of sfu.pool.slots) {
    indexMedia(slot.worker, media);
  }
  return {
    id: `http://127.0.0.1:${sfu.controlPort}`,
    controlPort: sfu.controlPort,
    sfu,
    media,
    logs,
    pid: undefined,
    kill: () => sfu.close(),
    close: () => sfu.close(),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An SFU host as a child process (`node apps/sfu/src/main.ts`), for SIGKILL and restarts. */
export async function startChildHost(
  secret: string,
  options: HostOptions = {},
): Promise<TestHost & ChildHost> {
  const workerBin = requireWorkerBin();
  const env = await hostEnv(secret, options);
  const controlPort = Number(env.SFU_CONTROL_PORT);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
  };
  const start = async (): Promise<void> => {
    const started = spawn(process.execPath, [join(root, 'apps/sfu/src/main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', MEDIASOUP_WORKER_BIN: workerBin, ...env, SFU_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    try {
      await waitFor(`child SFU on ${controlPort}`, () => listening(controlPort), CHILD_READY_MS, 50);
    } catch (error) {
      await stop('SIGKILL');
      throw error;
    }
  };
  await start();
  return {
    id: `http://127.0.0.1:${controlPort}`,
    controlPort,
    sfu: undefined,
    media: { routers: new Map(), transports: new Map(), producers: new Map(), consumers: new Map() },
    logs: undefined,
    get pid() {
      return child?.pid;
    },
    kill: () => stop('SIGKILL'),
    close: () => stop('SIGTERM'),
    restart: async () => {
      await stop('SIGKILL');
      await start();
    },
  };
}

export interface ChildHost {
  /** SIGKILL, then the same host again on the same ports (a new process: its rooms are gone). */
  restart(): Promise<void>;
}

/** Control tokens as signaling signs them. */
export function controlTokens(secret: string): TokenService {
  return new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: Buffer.from(secret, 'hex') }]),
    issuer: SFU_CONTROL_ISSUER,
  });
}

/** Signaling's SfuCluster alone (no sockets), over `hosts`. */
export function clusterOver(
  hosts: readonly TestHost[],
  secret: string,
  options: {
    maxMembersPerHost?: number;
    lossMs?: number;
    redis?: Parameters<typeof createSfuCluster>[0]['redis'];
  } = {},
): { cluster: SfuCluster; logs: CapturedLogger } {
  const logs = captureLogger('cluster');
  const cluster = createSfuCluster({
    sfuUrls: hosts.map((h) => h.id),
    maxMembersPerHost: options.maxMembersPerHost ?? 10_000,
    lossMs: options.lossMs ?? 3_000,
    controlTokens: controlTokens(secret),
    redis: options.redis,
    logger: logs.logger,
  });
  return { cluster, logs };
}

/** Resolves once the cluster reaches every host in `hosts`. */
export async function allLive(cluster: SfuCluster, hosts: readonly TestHost[]): Promise<void> {
  await waitFor('every SFU host reachable', () =>
    hosts.every((h) => cluster.hosts.some((known) => known.id === h.id && known.live)),
  );
}

export interface SignalingOverHosts {
  signaling: RunningSignaling;
  logs: CapturedLogger;
  createMeeting(): Promise<string>;
  joinMember(meetingId: string, displayName?: string): Promise<Member>;
  close(): Promise<void>;
}

/** Signaling over several SFU hosts (SFU_URLS), in memory, open meetings. */
export async function signalingOver(
  hosts: readonly TestHost[],
  secret: string,
  env: Record<string, string> = {},
): Promise<SignalingOverHosts> {
  const logs = captureLogger('signaling');
  const config = loadSignalingConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    ALLOWED_ORIGINS: ORIGIN,
    SFU_URLS: hosts.map((h) => h.id).join(','),
    SFU_CONTROL_SECRET: secret,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'debug',
    ALLOW_OPEN_MEETINGS: 'true',
    DATABASE_PATH: ':memory:',
    ...env,
  });
  const signaling = await startSignaling(config, { logger: logs.logger });
  const baseUrl = signaling.url;
  const sockets: ClientSocket[] = [];
  await allLive(signaling.sfu, hosts);
  const post = async (path: string, body: unknown): Promise<Record<string, string>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) {
      throw new Error(`${path}: HTTP ${res.status}`);
    }
    return (await res.json()) as Record<string, string>;
  };
  return {
    signaling,
    logs,
    createMeeting: async () => (await post('/api/meetings', {})).meetingId!,
    async joinMember(meetingId, displayName = 'Ada') {
      const { token } = (await post(`/api/meetings/${meetingId}/join-tokens`, { displayName })) as {
        token: string;
      };
      const outcome = await attemptConnect(baseUrl, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
      sockets.push(outcome.socket);
      if (outcome.kind !== 'connected') {
        throw new Error(`connection ${outcome.kind}`);
      }
      const events = recordEvents(outcome.socket);
      const join = joined(okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY })));
      return { socket: outcome.socket, token, events, join };
    },
    async close() {
      for (const socket of sockets) {
        socket.close();
      }
      await signaling.close();
    },
  };
}

/** The hosts (in this process) that have a room for the meeting. */
export function hostsWithRoom(hosts: readonly TestHost[], roomId: string): TestHost[] {
  return hosts.filter((h) => {
    try {
      return h.sfu !== undefined && !h.sfu.registry.get(roomId).closed;
    } catch {
      return false;
    }
  });
}

/** RTP parameters of an Opus microphone fed by a test (payload type 100, one SSRC). */
export function feedOpusParameters(ssrc: number) {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc }],
  };
}

/** Members with a transport on `host` in a room of their own, made straight on its control channel. */
export async function preload(
  host: TestHost,
  secret: string,
  members: number,
): Promise<{ roomId: string; release: () => Promise<void> }> {
  const tokens = controlTokens(secret);
  const connection = new SfuConnection({
    hostId: host.id,
    logger: captureLogger('preload').logger,
    token: () =>
      tokens.issue({
        audience: SFU_CONTROL_AUDIENCE,
        typ: SFU_CONTROL_AUDIENCE,
        subject: 'test',
        ttlSeconds: 60,
      }).token,
  });
  await connection.ready(5_000);
  const roomId = randomBytes(16).toString('base64url');
  for (let i = 0; i < members; i++) {
    await connection.request('createWebRtcTransport', {
      roomId,
      memberId: `preload-${i}-member`,
      direction: 'recv',
    });
  }
  return {
    roomId,
    release: async () => {
      await connection.request('closeRoom', { roomId });
      connection.close();
    },
  };
}
