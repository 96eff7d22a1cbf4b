/** Starts and stops the bare Socket.IO echo server (echoServer.ts) on the system-under-test core. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedCommand, type Pinning } from '../../core/pinning.ts';
import { freePort } from '../../core/ports.ts';

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface EchoServer {
  url: string;
  pid: number;
  close: () => Promise<void>;
}

export async function startEchoServer(pinning: Pinning): Promise<EchoServer> {
  const port = await freePort();
  const script = join(dirname(fileURLToPath(import.meta.url)), 'echoServer.ts');
  const [command, args] = pinnedCommand(pinning.sut, process.execPath, [script, String(port)]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`the echo server did not start: ${output.slice(0, 500)}`);
    }
    await sleep(50);
  }
  // taskset execs node in place: the child is the server.
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, close };
}
