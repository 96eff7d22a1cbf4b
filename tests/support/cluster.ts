/**
 * A signaling cluster on loopback, for integration, fault and browser tests
 * (issue 11): one Redis, one PostgreSQL, one SFU, N signaling nodes sharing a
 * DATA_DIR and their secrets, and nginx balancing round robin over the nodes
 * from the production template (infra/nginx, SIGNALING_UPSTREAMS). Every
 * piece is a real child process in a process group of its own, so a test can
 * SIGKILL, SIGSTOP or restart it; stop() ends them all, and nothing outlives
 * the test process even when it dies (tests/support/cluster/ManagedProcess.ts).
 *
 * Files of a run: .tools/reports/cluster-<name>-<time>/ (data/ is the shared
 * DATA_DIR, logs/ one file per process: node-1.log, sfu.log, redis.log,
 * postgres.log, nginx*.log). They are kept after stop() for post-mortems
 * (scripts/test.sh empties .tools/reports at each run).
 *
 * Bounds (each wait fails with a message naming the log to read):
 *   Redis PING 10 s; initdb 60 s; PostgreSQL ready 30 s; SFU control port
 *   30 s; each node /readyz 30 s; nginx /healthz 15 s; a process's stop:
 *   5 s after its signal, then SIGKILL and 5 s more; kill(SIGTERM) of a node
 *   10 s. A whole start is normally 5-10 s on two cores.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startClusterProxy, UPSTREAM_HEADER, type ClusterProxy } from './cluster/nginx.ts';
import { freeTcpPort } from './cluster/ports.ts';
import { startPostgres, type ClusterPostgres } from './cluster/postgres.ts';
import { startRedis, type ClusterRedis } from './cluster/redis.ts';
import { SignalingNode } from './cluster/SignalingNode.ts';
import { startSfu, type ClusterSfu } from './cluster/sfu.ts';

export { UPSTREAM_HEADER, type AccessLogEntry, type ClusterProxy } from './cluster/nginx.ts';
export type { ClusterPostgres } from './cluster/postgres.ts';
export type { ClusterRedis } from './cluster/redis.ts';
export type { ClusterSfu } from './cluster/sfu.ts';
export { SignalingNode, type NodeReadiness } from './cluster/SignalingNode.ts';
export { groupAlive, leftoverProcesses, startedGroups } from './cluster/ManagedProcess.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The settings being added for the cluster (issue 11), passed only when signaling's config knows them. */
export const CLUSTER_SETTINGS = ['REDIS_URL', 'DATABASE_URL', 'NODE_ID'] as const;
export type ClusterSetting = (typeof CLUSTER_SETTINGS)[number];

export interface ClusterOptions {
  /** Signaling nodes (2). */
  nodes?: 2 | 3;
  /** Nodes serve the web app built with its test hooks (TEST_WEB_DIST; scripts/test.sh builds it). */
  web?: boolean;
  /**
   * REDIS_URL, DATABASE_URL, NODE_ID: `if-accepted` (default) passes only
   * those signaling's config parses today (see `acceptedClusterSettings`);
   * `always` passes all three.
   */
  clusterSettings?: 'if-accepted' | 'always';
  /** More signaling settings for every node; they win over the harness's. */
  env?: Record<string, string>;
  /** Settings for one node (its id: `node-1`, ...); they win over `env`. */
  nodeEnv?: (id: string) => Record<string, string>;
  /** mediasoup workers in the SFU (1). */
  sfuWorkers?: number;
  /**
   * SFU hosts (1). With 2, a second SFU process (its own control, RTC and pipe
   * ports) and every node gets SFU_URLS naming both; `sfus` lists them.
   */
  sfuHosts?: 1 | 2;
  /** SFU_ENABLE_TEST_TAP (false). */
  sfuTestTap?: boolean;
  /** nginx's max_fails (1) and fail_timeout (`2s`; whole seconds, nginx takes no ms there) per node. */
  maxFails?: number;
  failTimeout?: string;
  /**
   * How the nodes start: `together` (the cluster must cope: migrations,
   * leases) or `one-by-one`. Default: together with DATABASE_URL, one by one
   * without (nodes sharing one SQLite file collide while creating its tables).
   */
  startNodes?: 'together' | 'one-by-one';
  /** Part of the run directory's name (`cluster`). */
  name?: string;
  /**
   * The source tree the SFU and signaling run from: CLUSTER_APP_ROOT, else
   * this repository. E.g. a `git archive` of another commit (with its own
   * node_modules), to run a cluster test while the working tree is mid-change.
   */
  appRoot?: string;
}

export interface ClusterNode {
  /** NODE_ID (`node-1`, ...). */
  readonly id: string;
  /** The node directly, bypassing nginx. */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:<port>`: how nginx names it (X-Cluster-Upstream, access log). */
  readonly upstream: string;
  /** Current process id; undefined while it is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How many times it was started (1 after startCluster). */
  readonly starts: number;
  readonly logPath: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(wait?: 'ready' | 'listening'): Promise<void>;
  start(wait?: 'ready' | 'listening'): Promise<void>;
  stop(): Promise<void>;
  log(): Promise<string>;
}

export interface Cluster {
  /** nginx, plain HTTP on loopback: what tests and browsers use. */
  readonly url: string;
  /** nginx's production HTTPS server (self-signed for `localhost`; trust `certPem`). */
  readonly httpsUrl: string;
  readonly certPem: string;
  readonly nodes: readonly ClusterNode[];
  readonly proxy: ClusterProxy;
  readonly redis: ClusterRedis;
  readonly postgres: ClusterPostgres;
  readonly sfu: ClusterSfu;
  /** Every SFU host, `sfu` first. */
  readonly sfus: readonly ClusterSfu[];
  /** The run's directory under .tools/reports/. */
  readonly runDir: string;
  /** The nodes' shared DATA_DIR (journals, recordings; the SQLite file without DATABASE_URL). */
  readonly dataDir: string;
  /** The secrets every node shares. */
  readonly secrets: { readonly tokenSecret: string; readonly controlSecret: string };
  /** JOURNAL_KEY_PATH of every node, and its public half (PEM) to verify journals. */
  readonly journalKeyPath: string;
  readonly journalPublicKeyPem: string;
  /** Which of REDIS_URL, DATABASE_URL, NODE_ID the nodes were given. */
  readonly passed: Readonly<Record<ClusterSetting, boolean>>;
  node(id: string): ClusterNode;
  /** The node nginx names by `127.0.0.1:<port>` (e.g. the last entry of X-Cluster-Upstream). */
  nodeAt(upstream: string): ClusterNode | undefined;
  /** The node's log so far (every start of it). */
  logs(nodeId: string): Promise<string>;
  /** Stops everything (nginx, nodes, SFU, Redis, PostgreSQL). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Which cluster settings signaling's config accepts today: its schema keeps
 * the settings it knows and drops the others, so a setting is accepted when
 * loadSignalingConfig() returns it.
 */
export async function acceptedClusterSettings(appRoot = ROOT): Promise<Record<ClusterSetting, boolean>> {
  type Load = (env: NodeJS.ProcessEnv) => Record<string, unknown>;
  // A computed path: the tests' type-check does not pull signaling's sources in.
  const config = (await import(pathToFileURL(join(appRoot, 'apps/signaling/src/config.ts')).href)) as {
    loadSignalingConfig: Load;
  };
  const base = { SFU_CONTROL_SECRET: randomBytes(32).toString('hex') };
  const probe: Record<ClusterSetting, string> = {
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: 'postgres://confidentiel:secret@127.0.0.1:5432/confidentiel',
    NODE_ID: 'node-1',
  };
  const parse = (env: NodeJS.ProcessEnv): Record<string, unknown> => {
    try {
      return config.loadSignalingConfig(env);
    } catch {
      return {};
    }
  };
  const together = parse({ ...base, ...probe });
  const result = {} as Record<ClusterSetting, boolean>;
  for (const name of CLUSTER_SETTINGS) {
    // Alone too, in case one of them is refused together with the others.
    result[name] = name in together || name in parse({ ...base, [name]: probe[name] });
  }
  return result;
}

/** An Ed25519 journal key made once for all nodes (PKCS#8 0600, SPKI next to it, as signaling does). */
async function writeJournalKey(keyPath: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await writeFile(keyPath.replace(/\.pem$/, '.pub.pem'), publicPem, { mode: 0o644, flag: 'wx' });
  return publicPem;
}

/** Stops what started, in reverse order, each at most once; reports every failure together. */
class Teardown {
  readonly #steps: { name: string; stop: () => Promise<void> }[] = [];
  #done: Promise<void> | undefined;

  add(name: string, stop: () => Promise<void>): void {
    this.#steps.push({ name, stop });
  }

  run(): Promise<void> {
    this.#done ??= (async () => {
      const errors: Error[] = [];
      for (const step of [...this.#steps].reverse()) {
        await step.stop().catch((error: unknown) => {
          errors.push(new Error(`stopping ${step.name}: ${String(error)}`, { cause: error }));
        });
      }
      if (errors.length > 0) {
        throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
      }
    })();
    return this.#done;
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.nodes ?? 2;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(
    ROOT,
    '.tools/reports',
    `${options.name ?? 'cluster'}-${stamp}-${randomBytes(2).toString('hex')}`,
  );
  const dataDir = join(runDir, 'data');
  const logDir = join(runDir, 'logs');
  await mkdir(dataDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  const appRoot = options.appRoot ?? process.env.CLUSTER_APP_ROOT ?? ROOT;
  const webDist = join(appRoot, 'apps/web/dist-test');
  if (options.web && !existsSync(join(webDist, 'index.html'))) {
    throw new Error(
      `web: true needs the web app built with its test hooks in ${webDist}: VITE_TEST_HOOKS=true npm run build --workspace apps/web -- --outDir dist-test`,
    );
  }
  const secrets = {
    tokenSecret: randomBytes(32).toString('hex'),
    controlSecret: randomBytes(32).toString('hex'),
  };
  const journalKeyPath = join(dataDir, 'journal-ed25519.pem');
  const journalPublicKeyPem = await writeJournalKey(journalKeyPath);
  const accepted = await acceptedClusterSettings(appRoot);
  const passed = Object.fromEntries(
    CLUSTER_SETTINGS.map((name) => [name, options.clusterSettings === 'always' || accepted[name]]),
  ) as Record<ClusterSetting, boolean>;

  const teardown = new Teardown();
  try {
    // Independent of each other: started together (initdb is the long one).
    // allSettled: whatever started is stopped even when another start failed.
    const started = await Promise.allSettled([
      startRedis({ dir: join(runDir, 'redis'), logPath: join(logDir, 'redis.log') }),
      startPostgres({ logPath: join(logDir, 'postgres.log') }),
      ...Array.from({ length: options.sfuHosts ?? 1 }, (_, i) =>
        startSfu({
          root: appRoot,
          controlSecret: secrets.controlSecret,
          logPath: join(logDir, i === 0 ? 'sfu.log' : `sfu-${i + 1}.log`),
          workers: options.sfuWorkers ?? 1,
          testTap: options.sfuTestTap ?? false,
          // Two hosts on one machine: each its own range (the SFU's default is the same for both).
          ...(options.sfuHosts === 2 ? { pipePorts: { min: 41_000 + i * 100, max: 41_099 + i * 100 } } : {}),
        }),
      ),
    ]);
    const [redisStart, postgresStart, sfuStart, ...moreSfuStarts] = started as [
      PromiseSettledResult<ClusterRedis>,
      PromiseSettledResult<ClusterPostgres>,
      PromiseSettledResult<ClusterSfu>,
      ...PromiseSettledResult<ClusterSfu>[],
    ];
    const stoppable: Array<[string, PromiseSettledResult<{ stop(): Promise<void> }>]> = [
      ['redis', redisStart],
      ['postgres', postgresStart],
      ['sfu', sfuStart],
      ...moreSfuStarts.map((r, i): [string, PromiseSettledResult<ClusterSfu>] => [`sfu-${i + 2}`, r]),
    ];
    for (const [name, result] of stoppable) {
      if (result.status === 'fulfilled') {
        teardown.add(name, () => result.value.stop());
      }
    }
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    const redis = (redisStart as PromiseFulfilledResult<ClusterRedis>).value;
    const postgres = (postgresStart as PromiseFulfilledResult<ClusterPostgres>).value;
    const sfu = (sfuStart as PromiseFulfilledResult<ClusterSfu>).value;
    const sfus = [sfu, ...moreSfuStarts.map((r) => (r as PromiseFulfilledResult<ClusterSfu>).value)];

    // Every port first: each node must allow the proxy's origins.
    const proxyPorts = {
      http: await freeTcpPort(),
      https: await freeTcpPort(),
      redirect: await freeTcpPort(),
    };
    const nodePorts: number[] = [];
    for (let i = 0; i < count; i++) {
      nodePorts.push(await freeTcpPort());
    }
    const origins = [
      `http://127.0.0.1:${proxyPorts.http}`,
      `http://localhost:${proxyPorts.http}`,
      `https://localhost:${proxyPorts.https}`,
      ...nodePorts.flatMap((p) => [`http://127.0.0.1:${p}`, `http://localhost:${p}`]),
    ];
    const nodes = nodePorts.map((port, i) => {
      const id = `node-${i + 1}`;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        ...(sfus.length > 1
          ? { SFU_URLS: sfus.map((h) => h.controlUrl).join(',') }
          : { SFU_URL: sfu.controlUrl }),
        SFU_CONTROL_SECRET: secrets.controlSecret,
        TOKEN_SECRET: secrets.tokenSecret,
        DATA_DIR: dataDir,
        JOURNAL_KEY_PATH: journalKeyPath,
        ALLOWED_ORIGINS: origins.join(','),
        // Behind nginx on this machine: client addresses from X-Forwarded-For.
        TRUST_PROXY: 'true',
        ALLOW_OPEN_MEETINGS: 'true',
        LOG_LEVEL: 'debug',
        ...(options.web ? { WEB_DIST: webDist } : {}),
        ...(passed.REDIS_URL ? { REDIS_URL: redis.url } : {}),
        ...(passed.DATABASE_URL ? { DATABASE_URL: postgres.url } : {}),
        ...(passed.NODE_ID ? { NODE_ID: id } : {}),
        ...options.env,
        ...options.nodeEnv?.(id),
      };
      const node = new SignalingNode({ id, port, root: appRoot, env, logPath: join(logDir, `${id}.log`) });
      teardown.add(id, () => node.stop());
      return node;
    });
    if ((options.startNodes ?? (passed.DATABASE_URL ? 'together' : 'one-by-one')) === 'together') {
      await Promise.all(nodes.map((n) => n.start('ready')));
    } else {
      for (const n of nodes) {
        await n.start('ready');
      }
    }

    const proxy = await startClusterProxy({
      upstreams: nodes.map((n) => n.upstream),
      ports: proxyPorts,
      logDir,
      ...(options.maxFails !== undefined ? { maxFails: options.maxFails } : {}),
      ...(options.failTimeout !== undefined ? { failTimeout: options.failTimeout } : {}),
    });
    teardown.add('nginx', () => proxy.stop());

    const byId = new Map(nodes.map((n) => [n.id, n]));
    const node = (id: string): SignalingNode => {
      const found = byId.get(id);
      if (!found) {
        throw new TypeError(`no node ${id} (nodes: ${[...byId.keys()].join(', ')})`);
      }
      return found;
    };
    return {
      url: proxy.url,
      httpsUrl: proxy.httpsUrl,
      certPem: proxy.certPem,
      nodes,
      proxy,
      redis,
      postgres,
      sfu,
      sfus,
      runDir,
      dataDir,
      secrets,
      journalKeyPath,
      journalPublicKeyPem,
      passed,
      node,
      nodeAt: (upstream) => nodes.find((n) => n.upstream === upstream.trim()),
      logs: (id) => node(id).log(),
      stop: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run().catch(() => undefined);
    throw error;
  }
}

/** The node that answered a response from `cluster.url` (from X-Cluster-Upstream), if any. */
export function answeredBy(cluster: Cluster, response: { headers: Headers }): ClusterNode | undefined {
  const tried = response.headers.get(UPSTREAM_HEADER);
  const last = tried?.split(/[,:]\s+/).pop();
  return last ? cluster.nodeAt(last) : undefined;
}
