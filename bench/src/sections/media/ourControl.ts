/**
 * Our SFU alone (apps/sfu/src/main.ts), pinned to the system-under-test
 * core, with one mediasoup worker (one core), and its control channel as
 * signaling uses it: Socket.IO namespace /control, a control token signed
 * with the shared secret, requests validated by the protocol's schemas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_ISSUER,
  SFU_CONTROL_NAMESPACE,
  type RequestOf,
  type ResponseOf,
  type SfuRequestName,
  type sfuRequests,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { pinnedCommand, type Pinning } from '../../core/pinning.ts';
import { freePorts } from '../../core/ports.ts';

const READY_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface OurSfuProcess {
  pid: number;
  /** The worker's WebRtcServer port (one UDP socket for every transport). */
  rtcPort: number;
  request<K extends SfuRequestName>(
    name: K,
    payload: RequestOf<typeof sfuRequests, K>,
  ): Promise<ResponseOf<typeof sfuRequests, K>>;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
}

async function connectControl(url: string, token: string, child: ChildProcess, log: string): Promise<Socket> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the SFU exited with ${child.exitCode}; see ${log}`);
    }
    const socket = io(`${url}${SFU_CONTROL_NAMESPACE}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 2_000,
      auth: { token, protocolVersion: PROTOCOL_VERSION },
    });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    });
    if (ok) {
      return socket;
    }
    socket.close();
    await sleep(250);
  }
  throw new Error(`the SFU's control channel did not open in ${READY_TIMEOUT_MS} ms; see ${log}`);
}

export async function startOurSfu(
  root: string,
  pinning: Pinning,
  workDir: string,
  listenIp: string,
  /** The SFU's entry point (another build of it, to try a change side by side). */
  mainScript: string = join(root, 'apps/sfu/src/main.ts'),
): Promise<OurSfuProcess> {
  const [controlPort, rtcPort] = (await freePorts(2)) as [number, number];
  const secret = randomBytes(32).toString('hex');
  const log = join(workDir, `sfu-${controlPort}.log`);
  const out = createWriteStream(log);
  const [command, args] = pinnedCommand(pinning.sut, process.execPath, [mainScript]);
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      SFU_CONTROL_HOST: '127.0.0.1',
      SFU_CONTROL_PORT: String(controlPort),
      SFU_CONTROL_SECRET: secret,
      // One core for the system under test: one worker (a second one would only share it).
      SFU_WORKERS: '1',
      SFU_RTC_LISTEN_IP: listenIp,
      SFU_RTC_PORT: String(rtcPort),
      SFU_LOG_LEVEL: 'warn',
      // Alone: no registration in Redis, no public control URL.
      REDIS_URL: '',
      SFU_PUBLIC_CONTROL_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const tokens = new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: Buffer.from(secret, 'hex') }]),
    issuer: SFU_CONTROL_ISSUER,
  });
  const token = tokens.issue({
    audience: SFU_CONTROL_AUDIENCE,
    typ: SFU_CONTROL_AUDIENCE,
    subject: 'signaling',
    ttlSeconds: 3_600,
  }).token;
  let socket: Socket;
  try {
    socket = await connectControl(`http://127.0.0.1:${controlPort}`, token, child, log);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    pid: child.pid as number,
    rtcPort,
    async request(name, payload) {
      const ack = (await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, payload)) as
        { ok: true; data: unknown } | { ok: false; error: { reason: string; message: string } };
      if (!ack.ok) {
        throw new Error(`SFU ${name} refused: ${ack.error.reason} ${ack.error.message}`);
      }
      return ack.data as never;
    },
    async stop() {
      socket.close();
      await stopChild(child);
    },
  };
}
