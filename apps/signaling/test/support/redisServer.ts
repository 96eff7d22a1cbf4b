/**
 * A real Redis server for a test: Debian's `redis-server`, on loopback, on a
 * free port, with no persistence, in a temporary directory; stopped (and the
 * directory removed) by `stop()`. `pause()`/`resume()` stop and restart the
 * same server on the same port (SIGSTOP/SIGCONT), for fault tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, waitFor } from './harness.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server (SIGKILL); `start()` runs a new, empty one on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function pingable(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.write('PING\r\n');
    });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freeTcpPort();
  const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | null = null;
  const run = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    await waitFor(`redis-server on ${port}`, () => pingable(port), 10_000);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (running && running.exitCode === null) {
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    }
  };
  await run();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start: run,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
