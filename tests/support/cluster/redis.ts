/**
 * Redis for a cluster test: Debian's `redis-server` on 127.0.0.1, a free
 * port, nothing written to disk, as a real child process a test can kill,
 * restart empty on the same port, or freeze.
 */
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { ManagedProcess, sleep, waitFor } from './ManagedProcess.ts';
import { freeTcpPort } from './ports.ts';

/** How long redis-server may take to answer PING after a start. */
export const REDIS_READY_TIMEOUT_MS = 10_000;
/** How long one PING may take before the server counts as not answering. */
const PING_TIMEOUT_MS = 500;

export interface ClusterRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no password: loopback, test only). */
  readonly url: string;
  /** Process id of the server now running (undefined while killed). */
  readonly pid: number | undefined;
  /** SIGKILL: connections reset, every key lost. */
  kill(): Promise<void>;
  /** Starts a new, empty server on the same port (after kill()); resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered (a hung or partitioned Redis). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /**
   * Redis unavailable for `ms` (30 s unless told), then back: `'pause'`
   * freezes and resumes the same server (keys kept); `'kill'` kills it and
   * starts an empty one. Resolves when it is back (at most
   * ms + REDIS_READY_TIMEOUT_MS).
   */
  outage(ms?: number, how?: 'pause' | 'kill'): Promise<void>;
  /** Whether it answers PING now (false while paused or killed). */
  ping(): Promise<boolean>;
  /** Ends it for good. Safe to call twice. */
  stop(): Promise<void>;
}

/** One PING over a fresh connection: true on +PONG within PING_TIMEOUT_MS. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

export async function startRedis(options: { dir: string; logPath: string }): Promise<ClusterRedis> {
  const port = await freeTcpPort();
  await mkdir(options.dir, { recursive: true });
  let server: ManagedProcess | undefined;
  let stopped = false;

  const start = async (): Promise<void> => {
    if (stopped) {
      throw new Error('redis: start() after stop()');
    }
    if (server?.running) {
      throw new Error('redis: start() while running (kill() it first)');
    }
    const proc = new ManagedProcess({
      name: 'redis',
      command: 'redis-server',
      // --save "" and --appendonly no: nothing on disk, so a restart is empty
      // (as in production: infra/redis keeps nothing either).
      args: [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        options.dir,
        '--daemonize',
        'no',
      ],
      env: { PATH: process.env.PATH },
      logPath: options.logPath,
    });
    server = proc;
    try {
      await waitFor(`redis-server on 127.0.0.1:${port}`, () => redisPing(port), REDIS_READY_TIMEOUT_MS, {
        gone: () => (proc.running ? undefined : `exited; see ${options.logPath}`),
      });
    } catch (error) {
      await proc.kill();
      throw error;
    }
  };
  const kill = async (): Promise<void> => {
    await server?.kill();
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return server?.running ? server.pid : undefined;
    },
    kill,
    start,
    pause: () => server?.signal('SIGSTOP'),
    resume: () => server?.signal('SIGCONT'),
    outage: async (ms = 30_000, how = 'pause') => {
      if (how === 'pause') {
        server?.signal('SIGSTOP');
        await sleep(ms);
        server?.signal('SIGCONT');
        await waitFor('redis back after the outage', () => redisPing(port), REDIS_READY_TIMEOUT_MS);
      } else {
        await kill();
        await sleep(ms);
        await start();
      }
    },
    ping: () => redisPing(port),
    stop: async () => {
      stopped = true;
      await server?.stop('SIGTERM');
    },
  };
}
