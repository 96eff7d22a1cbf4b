import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const PORT = Number(process.env.E2E_PORT ?? 18080);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The TLS proxy the https-proxy spec puts in front of the service (tests/support/proxy.ts). */
export const PROXY_ORIGIN = `https://localhost:${PORT + 443}`;
/**
 * The SFU control secret of this run: made in globalSetup and handed to the
 * test workers through the environment, so a test can act as signaling does.
 */
export const CONTROL_SECRET = (process.env.E2E_SFU_CONTROL_SECRET ??= randomBytes(32).toString('hex'));
export const CONTROL_URL = `http://127.0.0.1:${PORT + 1}`;
/**
 * The web app as the browser tests need it: built with its test hooks
 * (`window.__meeting`, VITE_TEST_HOOKS=true) into a directory of its own, so
 * the production build (apps/web/dist) never carries them. scripts/test.sh
 * builds it before the browser tests (E2E_WEB_DIST names another build).
 */
export const TEST_WEB_DIST = process.env.E2E_WEB_DIST ?? join(ROOT, 'apps/web/dist-test');
/** Where the servers' logs go, so tests can search them. */
export const SERVER_LOG = serviceFiles(PORT).log;

/** The service's data directory for this run (recordings, journals, the journal key). */
export const DATA_DIR = serviceFiles(PORT).dataDir;
/** The service's SQLite file for this run (the organiser test creates its account in it). */
export const DATABASE_PATH = serviceFiles(PORT).databasePath;

/** How long the service may take to report ready. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Another instance of the service beside the shared one (e.g. the Firefox
 * spec's, whose SFU listens on a veth address): its own ports, log and data.
 */
export interface ServiceOptions {
  /** HTTP port; the SFU's control port is port + 1, its media ports port + 100 and + 101. */
  port: number;
  /** SFU_RTC_LISTEN_IP (the shared service's is 127.0.0.1). */
  rtcListenIp?: string;
}

/** The files of the service listening on `port`. */
export function serviceFiles(port: number): { log: string; dataDir: string; databasePath: string } {
  const dataDir = join(ROOT, `.tools/reports/e2e-data-${port}`);
  return {
    log: join(ROOT, `.tools/reports/e2e-servers-${port}.log`),
    dataDir,
    databasePath: join(dataDir, 'confidentiel.sqlite'),
  };
}

/** Starts the real service (scripts/serve.ts: SFU + signaling + built web app). */
export async function startService(options: ServiceOptions = { port: PORT }): Promise<ChildProcess> {
  const port = options.port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const { log: logPath, dataDir, databasePath } = serviceFiles(port);
  await mkdir(dirname(logPath), { recursive: true });
  // A fresh database each run: accounts and meetings of an earlier run do not leak in.
  await rm(dataDir, { recursive: true, force: true });
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, [join(ROOT, 'scripts/serve.ts')], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      WEB_DIST: TEST_WEB_DIST,
      // The defaults, plus the origin of the TLS proxy the https-proxy spec starts.
      ALLOWED_ORIGINS: [
        ...['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${port}`),
        `https://localhost:${port + 443}`,
      ].join(','),
      SFU_CONTROL_PORT: String(port + 1),
      SFU_RTC_PORT: String(port + 100),
      SFU_RTC_LISTEN_IP: options.rtcListenIp ?? '127.0.0.1',
      SFU_WORKERS: '2',
      SFU_CONTROL_SECRET: CONTROL_SECRET,
      // The E2EE tests capture what the SFU forwards, as a malicious operator could.
      SFU_ENABLE_TEST_TAP: 'true',
      LOG_LEVEL: 'debug',
      SFU_LOG_LEVEL: 'debug',
      // The older specs make open meetings from the home page; the organiser spec uses accounts.
      ALLOW_OPEN_MEETINGS: 'true',
      DATA_DIR: dataDir,
      DATABASE_PATH: databasePath,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`service exited with ${child.exitCode}; see ${logPath}`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) {
        return child;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`service not ready after ${READY_TIMEOUT_MS} ms; see ${logPath}`);
}

/** Stops a service startService() started: SIGTERM, SIGKILL after 5 s; resolves once it has exited. */
export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 8_000))]);
  clearTimeout(timer);
}
