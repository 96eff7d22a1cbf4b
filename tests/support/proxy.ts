import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSelfSigned } from './selfSigned.ts';
import { BASE_URL, PORT, PROXY_ORIGIN, ROOT } from './servers.ts';

/** HTTPS port of the proxy; its origin (PROXY_ORIGIN) is in the service's ALLOWED_ORIGINS (servers.ts). */
export const PROXY_PORT = PORT + 443;
/** Plain-HTTP port of the proxy, which only redirects to HTTPS. */
export const PROXY_HTTP_PORT = PORT + 80;
export { PROXY_ORIGIN };

const run = promisify(execFile);
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RunningProxy {
  origin: string;
  port: number;
  httpPort: number;
  /** The self-signed certificate the proxy presents (PEM), to trust it from Node. */
  certPem: string;
  confPath: string;
  /** nginx's error log and stderr so far, for failure messages. */
  diagnostics(): Promise<string>;
  /** Stops nginx (TERM, then KILL) and removes its temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Renders the repository's proxy configuration (infra/nginx/render.sh
 * --standalone) for loopback: HTTPS for `localhost` on 127.0.0.1:PROXY_PORT,
 * HTTP on 127.0.0.1:PROXY_HTTP_PORT, upstream the running service; pid file,
 * logs and temporary files under `dir`. Returns the main configuration's path.
 */
async function renderConfig(
  dir: string,
  certPath: string,
  keyPath: string,
  upstream: string,
): Promise<string> {
  const { stdout } = await run('bash', [join(ROOT, 'infra/nginx/render.sh'), '--standalone', dir], {
    env: {
      PATH: process.env.PATH,
      SERVER_NAME: 'localhost',
      TLS_CERT: certPath,
      TLS_KEY: keyPath,
      UPSTREAM: new URL(upstream).host,
      LISTEN_HTTPS: `127.0.0.1:${PROXY_PORT}`,
      LISTEN_HTTP: `127.0.0.1:${PROXY_HTTP_PORT}`,
      ACME_WEBROOT: join(dir, 'acme'),
    },
    timeout: 15_000,
  });
  return stdout.trim();
}

/**
 * Puts nginx, with a fresh self-signed certificate for localhost, in front of
 * the running service (BASE_URL): HTTPS on PROXY_PORT, HTTP on PROXY_HTTP_PORT.
 * nginx runs in the foreground as a child of this process; call stop().
 */
export async function startProxy(upstream = BASE_URL): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'confidentiel-proxy-'));
  let child: ChildProcess | undefined;
  let stderr = '';
  let stopped = false;
  const diagnostics = async (): Promise<string> => {
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    return `nginx stderr:\n${stderr}\nnginx error.log:\n${log}`;
  };
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // The master and its workers: nginx runs in a process group of its own.
          try {
            process.kill(-c.pid!, 'SIGKILL');
          } catch {
            c.kill('SIGKILL');
          }
          resolve();
        }, STOP_TIMEOUT_MS);
        c.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        c.kill('SIGTERM');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const cert = await makeSelfSigned(dir);
    const confPath = await renderConfig(dir, cert.certPath, cert.keyPath, upstream);
    // -e stderr: messages from before the configuration is read come to us too.
    const started = spawn(NGINX, ['-e', 'stderr', '-p', `${dir}/`, '-c', confPath, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    child = started;
    // If this worker process ends without stop() (a crash, a timeout kill), nginx must not outlive it.
    // (TERM: nginx's master then stops its workers by itself.)
    const onExit = (): void => {
      started.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    started.once('exit', () => process.off('exit', onExit));
    started.stderr?.setEncoding('utf8');
    started.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const proxy: RunningProxy = {
      origin: PROXY_ORIGIN,
      port: PROXY_PORT,
      httpPort: PROXY_HTTP_PORT,
      certPem: cert.certPem,
      confPath,
      diagnostics,
      stop,
    };
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`nginx exited (${started.exitCode ?? started.signalCode})\n${await diagnostics()}`);
      }
      const ready = await fetchVia(proxy, '/readyz').then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) {
        return proxy;
      }
      if (Date.now() > deadline) {
        throw new Error(`proxy not ready after ${READY_TIMEOUT_MS} ms\n${await diagnostics()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header lines as received (name lower-cased), to see duplicates. */
  rawHeaders: [string, string][];
  body: string;
}

/**
 * One request from Node (not the browser) to the proxy: HTTPS trusting only
 * its certificate, or plain HTTP to its HTTP port with `{ plain: true }`.
 * Never follows redirects.
 */
export function fetchVia(
  proxy: Pick<RunningProxy, 'port' | 'httpPort' | 'certPem'>,
  path: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    plain?: boolean;
    /** The TLS server name to send (SNI); `null` sends none, as a client connecting by IP address. */
    servername?: string | null;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port: init.plain ? proxy.httpPort : proxy.port,
      path,
      method: init.method ?? 'GET',
      headers: { host: `localhost:${init.plain ? proxy.httpPort : proxy.port}`, ...init.headers },
      timeout: 5000,
      ...(init.plain
        ? {}
        : init.servername === null
          ? // '' (not undefined): https.Agent would otherwise take the name from the Host header.
            { ca: proxy.certPem, servername: '', checkServerIdentity: () => undefined }
          : { ca: proxy.certPem, servername: init.servername ?? 'localhost' }),
    };
    const req = (init.plain ? httpRequest : httpsRequest)(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const rawHeaders: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          rawHeaders.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${path}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Origins a page may talk to when served by the proxy at `origin` (https: and its wss: twin). */
export function ownOrigins(origin: string): Set<string> {
  const url = new URL(origin);
  return new Set([url.origin, `wss://${url.host}`]);
}

/**
 * The URLs (from a recorder) that are not on the page's own origin. data:
 * and blob: URLs are local to the page and allowed; anything else -- another
 * host, port or scheme (http: instead of https:) -- is reported.
 */
export function foreignUrls(urls: Iterable<string>, origin: string): string[] {
  const own = ownOrigins(origin);
  const foreign: string[] = [];
  for (const raw of urls) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      foreign.push(raw);
      continue;
    }
    if (url.protocol === 'data:') {
      continue;
    }
    if (url.protocol === 'blob:') {
      // A blob: URL names its creator's origin (blob:https://host:port/uuid); it must be ours.
      if (!own.has(url.origin)) {
        foreign.push(raw);
      }
      continue;
    }
    if (!own.has(`${url.protocol}//${url.host}`)) {
      foreign.push(raw);
    }
  }
  return foreign;
}
