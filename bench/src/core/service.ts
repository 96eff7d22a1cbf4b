/**
 * The whole service as an operator runs it (scripts/serve.ts: the SFU and
 * signaling processes), on free loopback ports, pinned to the system-under-test
 * core, with a fresh data directory. The bench reads the CPU of its processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedCommand, type Pinning } from './pinning.ts';
import { freePorts } from './ports.ts';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServiceOptions {
  root: string;
  pinning: Pinning;
  /** Scratch directory: data, database, log. */
  workDir: string;
  /** The web build to serve: apps/web/dist (production), dist-test (test hooks), dist-bench. */
  webDist: string;
  /** Extra environment (e.g. SFU_WORKERS). */
  env?: Record<string, string>;
}

export interface RunningService {
  url: string;
  controlUrl: string;
  controlSecret: string;
  /** The SFU process (its mediasoup workers are its children). */
  sfuPid: number;
  signalingPid: number;
  log: string;
  /** The serve.ts process (parent of both). */
  child: ChildProcess;
  close: () => Promise<void>;
}

function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) {
        pids.push(Number(entry));
      }
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The child of `parent` whose command line names `script`. */
export function findChild(parent: number, script: string): number | undefined {
  return childPids(parent).find((pid) => commandLine(pid).includes(script));
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const [port, controlPort, rtcPort] = (await freePorts(3)) as [number, number, number];
  const dataDir = join(options.workDir, `service-${port}`);
  await mkdir(dataDir, { recursive: true });
  const log = join(dataDir, 'service.log');
  const out = createWriteStream(log);
  const controlSecret = randomBytes(32).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  const [command, args] = pinnedCommand(options.pinning.sut, process.execPath, [
    join(options.root, 'scripts/serve.ts'),
  ]);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      WEB_DIST: options.webDist,
      ALLOWED_ORIGINS: `${url},http://localhost:${port}`,
      SFU_CONTROL_PORT: String(controlPort),
      SFU_RTC_PORT: String(rtcPort),
      SFU_CONTROL_SECRET: controlSecret,
      ALLOW_OPEN_MEETINGS: 'true',
      LOG_LEVEL: 'warn',
      SFU_LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_PATH: join(dataDir, 'confidentiel.sqlite'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  /** The SFU and signaling processes, once found: killed if they outlive serve.ts. */
  const servers: number[] = [];
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
    // serve.ts gives its children 3 s; an SFU with rooms has been seen to take ~45 s more, and
    // its open pipes would keep the bench waiting: what is left is killed.
    for (const pid of servers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the service exited with ${child.exitCode}; see ${log}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) {
        // taskset execs node in place: serve.ts is the child itself.
        const serve = child.pid as number;
        const sfuPid = findChild(serve, 'apps/sfu/src/main.ts');
        const signalingPid = findChild(serve, 'apps/signaling/src/main.ts');
        if (sfuPid === undefined || signalingPid === undefined) {
          throw new Error('the service is ready but its SFU or signaling process was not found');
        }
        servers.push(sfuPid, signalingPid);
        return {
          url,
          controlUrl: `http://127.0.0.1:${controlPort}`,
          controlSecret,
          sfuPid,
          signalingPid,
          log,
          child,
          close,
        };
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('the service is ready')) {
        await close();
        throw error;
      }
    }
    await sleep(250);
  }
  await close();
  throw new Error(`the service was not ready after ${READY_TIMEOUT_MS} ms; see ${log}`);
}
