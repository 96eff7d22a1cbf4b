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
export const SERVER_LOG = join(ROOT, `.tools/reports/e2e-servers-${PORT}.log`);

/** The service's data directory for this run (recordings, journals, the journal key). */
export const DATA_DIR = join(ROOT, `.tools/reports/e2e-data-${PORT}`);
/** The service's SQLite file for this run (the organiser test creates its account in it). */
export const DATABASE_PATH = join(DATA_DIR, 'confidentiel.sqlite');

/** How long the service may take to report ready. */
const READY_TIMEOUT_MS = 60_000;

/** Starts the real service (scripts/serve.ts: SFU + signaling + built web app). */
export async function startService(): Promise<ChildProcess> {
  await mkdir(dirname(SERVER_LOG), { recursive: true });
  // A fresh database each run: accounts and meetings of an earlier run do not leak in.
  await rm(DATA_DIR, { recursive: true, force: true });
  const log = createWriteStream(SERVER_LOG);
  const child = spawn(process.execPath, [join(ROOT, 'scripts/serve.ts')], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(PORT),
      WEB_DIST: TEST_WEB_DIST,
      // The defaults, plus the origin of the TLS proxy the https-proxy spec starts.
      ALLOWED_ORIGINS: [
        ...['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${PORT}`),
        PROXY_ORIGIN,
      ].join(','),
      SFU_CONTROL_PORT: String(PORT + 1),
      SFU_RTC_PORT: String(PORT + 100),
      SFU_WORKERS: '2',
      SFU_CONTROL_SECRET: CONTROL_SECRET,
      // The E2EE tests capture what the SFU forwards, as a malicious operator could.
      SFU_ENABLE_TEST_TAP: 'true',
      LOG_LEVEL: 'debug',
      SFU_LOG_LEVEL: 'debug',
      // The older specs make open meetings from the home page; the organiser spec uses accounts.
      ALLOW_OPEN_MEETINGS: 'true',
      DATA_DIR,
      DATABASE_PATH,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`service exited with ${child.exitCode}; see ${SERVER_LOG}`);
    }
    try {
      const res = await fetch(`${BASE_URL}/readyz`);
      if (res.ok) {
        return child;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`service not ready after ${READY_TIMEOUT_MS} ms; see ${SERVER_LOG}`);
}
