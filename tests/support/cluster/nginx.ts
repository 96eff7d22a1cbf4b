/**
 * nginx in front of several signaling nodes, from the production template:
 * infra/nginx/render.sh --standalone with SIGNALING_UPSTREAMS (round robin,
 * max_fails/fail_timeout, proxy_next_upstream). Two ways in:
 *
 * - `httpsUrl`: the production HTTPS server itself (a self-signed
 *   certificate for `localhost`, `certPem` to trust it; SNI `localhost`).
 * - `url`: plain HTTP on 127.0.0.1, for tests that do not care about TLS.
 *   Its server block is the rendered HTTPS block with only the TLS lines
 *   taken out, so it proxies exactly as production does; it adds an access
 *   log and an `X-Cluster-Upstream` header naming the node(s) nginx tried
 *   (`$upstream_addr`), which is how a test sees which node answered.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeSelfSigned } from '../selfSigned.ts';
import { ManagedProcess, trackTempDir, waitFor } from './ManagedProcess.ts';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
/** How long nginx may take to answer /healthz through a node once started. */
export const NGINX_READY_TIMEOUT_MS = 15_000;
/** How long render.sh may take. */
const RENDER_TIMEOUT_MS = 15_000;
/** The response header naming the upstream(s) nginx tried for a request (plain HTTP server only). */
export const UPSTREAM_HEADER = 'x-cluster-upstream';

export interface AccessLogEntry {
  /** Seconds since the epoch, with milliseconds. */
  time: number;
  method: string;
  uri: string;
  status: number;
  /** Every node address nginx tried, in order (`127.0.0.1:port`); the last one answered. */
  upstreams: string[];
  /** Their statuses, in the same order (`502`, `-` for none). */
  upstreamStatuses: string[];
}

export interface ClusterProxy {
  /** Plain HTTP on loopback: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The production HTTPS server: `https://localhost:<port>` (trust `certPem`; SNI `localhost`). */
  readonly httpsUrl: string;
  readonly certPem: string;
  readonly pid: number | undefined;
  /** The main configuration nginx runs (rendered; for messages). */
  readonly confPath: string;
  /** Requests to the plain HTTP server so far, oldest first. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** nginx's error log (level warn for the plain server: connect failures, nodes taken out). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterProxyOptions {
  /** `127.0.0.1:<port>` of each signaling node. */
  upstreams: readonly string[];
  /** Free loopback ports: plain HTTP, HTTPS, and the HTTP-to-HTTPS redirect of the template. */
  ports: { http: number; https: number; redirect: number };
  /** Where the access and error logs go (kept after stop()). */
  logDir: string;
  /** nginx's max_fails per node (1). */
  maxFails?: number;
  /** nginx's fail_timeout per node, whole seconds (`2s`). */
  failTimeout?: string;
}

/**
 * The plain-HTTP twin of the rendered HTTPS server block: same proxying,
 * TLS lines removed, its own listen address, access log and upstream header.
 */
export function plainServerFrom(
  rendered: string,
  listen: string,
  accessLog: string,
  errorLog: string,
): string {
  const blocks = rendered.split(/^(?=server \{$)/m);
  const https = blocks.filter((b) => /^ {4}ssl_certificate /m.test(b));
  if (https.length !== 1) {
    throw new Error(`expected one HTTPS server block in the rendered configuration, found ${https.length}`);
  }
  const end = https[0]!.search(/^\}$/m);
  const lines = https[0]!.slice(0, end + 1).split('\n');
  const out: string[] = [];
  let listens = 0;
  let accessLogs = 0;
  for (const line of lines) {
    if (/^ {4}listen /.test(line)) {
      listens++;
      if (listens === 1) {
        out.push(`    listen ${listen};`);
        out.push(`    add_header X-Cluster-Upstream $upstream_addr always;`);
      }
    } else if (/^ {4}ssl_/.test(line)) {
      continue;
    } else if (/^ {4}access_log off;$/.test(line)) {
      accessLogs++;
      out.push(`    access_log ${accessLog} confidentiel_cluster_test;`);
    } else if (/^ {4}error_log /.test(line)) {
      out.push(`    error_log ${errorLog} warn;`);
    } else {
      out.push(line);
    }
  }
  if (listens === 0 || accessLogs !== 1) {
    throw new Error(
      'the HTTPS server block of infra/nginx/confidentiel.conf changed shape: update plainServerFrom (tests/support/cluster/nginx.ts)',
    );
  }
  return [
    '# Test only (tests/support/cluster/nginx.ts): the HTTPS server below, over plain HTTP on loopback.',
    "log_format confidentiel_cluster_test '$msec|$request_method|$request_uri|$status|$upstream_addr|$upstream_status';",
    ...out,
    '',
  ].join('\n');
}

function parseAccessLog(text: string): AccessLogEntry[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [time, method, uri, status, upstreams, statuses] = line.split('|');
      const list = (v: string | undefined): string[] =>
        !v || v === '-' ? [] : v.split(/\s*[,:]\s+/).map((s) => s.trim());
      return {
        time: Number(time),
        method: method ?? '',
        uri: uri ?? '',
        status: Number(status),
        upstreams: list(upstreams),
        upstreamStatuses: list(statuses),
      };
    });
}

export async function startClusterProxy(options: ClusterProxyOptions): Promise<ClusterProxy> {
  // OUT_DIR of render.sh, made 0755 by it: nginx's workers (nobody) use its tmp/.
  const dir = await mkdtemp(join(tmpdir(), 'confidentiel-cluster-nginx-'));
  const untrack = trackTempDir(dir);
  const accessLogPath = join(options.logDir, 'nginx-access.log');
  const errorLogPath = join(options.logDir, 'nginx-error.log');
  let server: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await server?.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    untrack();
  };
  try {
    const { http: httpPort, https: httpsPort, redirect: redirectPort } = options.ports;
    const cert = await makeSelfSigned(dir);
    const { stdout } = await run('bash', [join(ROOT, 'infra/nginx/render.sh'), '--standalone', dir], {
      env: {
        PATH: process.env.PATH,
        SERVER_NAME: 'localhost',
        TLS_CERT: cert.certPath,
        TLS_KEY: cert.keyPath,
        SIGNALING_UPSTREAMS: options.upstreams.join(' '),
        UPSTREAM_MAX_FAILS: String(options.maxFails ?? 1),
        UPSTREAM_FAIL_TIMEOUT: options.failTimeout ?? '2s',
        LISTEN_HTTPS: `127.0.0.1:${httpsPort}`,
        LISTEN_HTTP: `127.0.0.1:${redirectPort}`,
        ACME_WEBROOT: join(dir, 'acme'),
        ERROR_LOG: errorLogPath,
      },
      timeout: RENDER_TIMEOUT_MS,
    });
    const confPath = stdout.trim();
    const site = join(dir, 'confidentiel.conf');
    const plainPath = join(dir, 'cluster-plain.conf');
    await writeFile(
      plainPath,
      plainServerFrom(await readFile(site, 'utf8'), `127.0.0.1:${httpPort}`, accessLogPath, errorLogPath),
    );
    const main = await readFile(confPath, 'utf8');
    const include = `    include ${site};\n`;
    if (!main.includes(include)) {
      throw new Error(
        `render.sh's nginx.conf no longer includes ${site}: update tests/support/cluster/nginx.ts`,
      );
    }
    await writeFile(confPath, main.replace(include, `${include}    include ${plainPath};\n`));

    const url = `http://127.0.0.1:${httpPort}`;
    const proc = new ManagedProcess({
      name: 'nginx',
      command: NGINX,
      // -e stderr: messages from before the configuration is read come to the log too.
      args: ['-e', 'stderr', '-p', `${dir}/`, '-c', confPath, '-g', 'daemon off;'],
      env: { PATH: process.env.PATH },
      logPath: join(options.logDir, 'nginx.log'),
    });
    server = proc;
    await waitFor(
      `nginx on ${url}`,
      async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok,
      NGINX_READY_TIMEOUT_MS,
      { intervalMs: 200, gone: () => (proc.running ? undefined : `exited; see ${proc.logPath}`) },
    );
    return {
      url,
      httpsUrl: `https://localhost:${httpsPort}`,
      certPem: cert.certPem,
      get pid() {
        return proc.running ? proc.pid : undefined;
      },
      confPath,
      accessLog: async () => parseAccessLog(await readFile(accessLogPath, 'utf8').catch(() => '')),
      errorLog: () => readFile(errorLogPath, 'utf8').catch(() => ''),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
