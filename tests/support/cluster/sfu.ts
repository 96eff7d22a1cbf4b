/**
 * The SFU for a cluster test: `node apps/sfu/src/main.ts` (as scripts/serve.ts
 * starts it), control channel and media on 127.0.0.1, as a real child process
 * a test can kill and restart on the same ports.
 */
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { ManagedProcess, waitFor } from './ManagedProcess.ts';
import { freeTcpPort, freeTcpUdpPort } from './ports.ts';

/** How long the SFU may take to listen on its control port (mediasoup workers start first). */
export const SFU_READY_TIMEOUT_MS = 30_000;

export interface ClusterSfu {
  /** SFU_URL for signaling: `http://127.0.0.1:<control port>`. */
  readonly controlUrl: string;
  /** First media port (UDP and TCP); worker i uses rtcPort + i. */
  readonly rtcPort: number;
  readonly pid: number | undefined;
  /**
   * SIGKILL (default), SIGSTOP, SIGCONT: to the SFU and its mediasoup workers
   * (SIGKILL waits until they are gone); another signal: to the SFU process.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it if running, starts it again on the same ports; resolves once it listens. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SfuOptions {
  root: string;
  controlSecret: string;
  logPath: string;
  /** mediasoup workers (1: two shared cores). */
  workers?: number;
  /** SFU_ENABLE_TEST_TAP: lets a test capture forwarded RTP through the control channel. */
  testTap?: boolean;
  /** UDP ports of its pipe transports to other SFU hosts (SFU_PIPE_PORT_MIN/MAX); the SFU's default when absent. */
  pipePorts?: { min: number; max: number };
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

export async function startSfu(options: SfuOptions): Promise<ClusterSfu> {
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  if (!workerBin) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is not set: source .tools/env.sh (scripts/setup.sh builds the worker)',
    );
  }
  const workers = options.workers ?? 1;
  const controlPort = await freeTcpPort();
  const rtcPort = await freeTcpUdpPort();
  // With several workers, worker i takes rtcPort + i: free in practice (the
  // kernel hands out ephemeral ports at random), not checked.
  let server: ManagedProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = new ManagedProcess({
      name: 'sfu',
      command: process.execPath,
      args: [join(options.root, 'apps/sfu/src/main.ts')],
      cwd: options.root,
      env: {
        PATH: process.env.PATH,
        MEDIASOUP_WORKER_BIN: workerBin,
        SFU_CONTROL_HOST: '127.0.0.1',
        SFU_CONTROL_PORT: String(controlPort),
        SFU_CONTROL_SECRET: options.controlSecret,
        SFU_WORKERS: String(workers),
        SFU_RTC_LISTEN_IP: '127.0.0.1',
        SFU_RTC_PORT: String(rtcPort),
        SFU_ENABLE_TEST_TAP: options.testTap ? 'true' : 'false',
        ...(options.pipePorts
          ? {
              SFU_PIPE_PORT_MIN: String(options.pipePorts.min),
              SFU_PIPE_PORT_MAX: String(options.pipePorts.max),
            }
          : {}),
        SFU_LOG_LEVEL: 'debug',
      },
      logPath: options.logPath,
    });
    server = proc;
    try {
      await waitFor(
        `SFU control port 127.0.0.1:${controlPort}`,
        () => listening(controlPort),
        SFU_READY_TIMEOUT_MS,
        {
          intervalMs: 200,
          gone: () => (proc.running ? undefined : `exited; see ${options.logPath}`),
        },
      );
    } catch (error) {
      await proc.kill();
      throw error;
    }
  };

  await start();
  return {
    controlUrl: `http://127.0.0.1:${controlPort}`,
    rtcPort,
    get pid() {
      return server?.running ? server.pid : undefined;
    },
    kill: async (signal = 'SIGKILL') => {
      if (signal === 'SIGKILL') {
        await server?.kill();
      } else {
        server?.signal(signal);
      }
    },
    restart: async () => {
      await server?.stop('SIGTERM');
      await start();
    },
    stop: async () => {
      await server?.stop('SIGTERM');
    },
  };
}
