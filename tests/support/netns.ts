/**
 * Test hosts in network namespaces that the test itself creates (`ip netns`,
 * veth pairs, addresses the test picks), joined to the namespace the test runs
 * in. Refuses to touch a namespace that has any interface but loopback (and
 * its own veths): the browser tests run inside a private `unshare --net`
 * namespace (scripts/test.sh), so nothing here can reach the machine's real
 * network. Every command is bounded in time; everything made is deleted by
 * `destroy()`, which also ends whatever still runs on the test hosts.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const IP = '/usr/sbin/ip';
/** Names of the veth ends this module puts in the test's own namespace start with this. */
const LOCAL_LINK_PREFIX = 'ct-';
/** Test-host namespaces are named `ct<pid>-<name>`, so a stale one can be told from a live one. */
const NETNS_PATTERN = /^ct(\d+)-[a-z0-9]+$/;

export async function ip(args: string[], timeoutMs = 10_000): Promise<string> {
  const { stdout } = await execFileAsync(IP, args, { timeout: timeoutMs });
  return stdout;
}

/** Interfaces of the namespace this process runs in. */
async function localLinks(): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show']);
  return out
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/**
 * Throws unless this process runs in a namespace with only loopback (plus
 * veths this module made): test hosts are never attached to a real network.
 */
export async function assertPrivateNamespace(): Promise<void> {
  const foreign = (await localLinks()).filter((n) => n !== 'lo' && !n.startsWith(LOCAL_LINK_PREFIX));
  if (foreign.length > 0) {
    throw new Error(
      `refusing to build test hosts: this network namespace has interfaces other than loopback (${foreign.join(', ')}); ` +
        "run the browser tests the way scripts/test.sh does: unshare --net bash -c 'ip link set lo up && cd tests && npx playwright test'",
    );
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes running in a named namespace. */
async function netnsPids(name: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', name]).catch(() => '');
  return out
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Ends what still runs in one of our namespaces and deletes it (bounded: 20 x 100 ms). */
async function deleteNetns(name: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids = await netnsPids(name);
    if (pids.length === 0) {
      break;
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await ip(['netns', 'del', name]).catch(() => undefined);
}

/**
 * Deletes namespaces a previous run of these tests left behind (its process
 * is gone). Bounded by the number of such names.
 */
export async function removeStaleNamespaces(): Promise<void> {
  const out = await ip(['netns', 'list']).catch(() => '');
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = NETNS_PATTERN.exec(name);
    if (match && Number(match[1]) !== process.pid && !pidAlive(Number(match[1]))) {
      await deleteNetns(name);
    }
  }
}

/** One test host: a network namespace of its own. */
export class TestHost {
  readonly name: string;
  readonly #children = new Set<ChildProcess>();

  constructor(label: string) {
    this.name = `ct${process.pid}-${label}`;
  }

  /** Command prefix that runs something on this host. */
  get prefix(): string[] {
    return [IP, 'netns', 'exec', this.name];
  }

  /** Runs a short command on this host (bounded). */
  async run(argv: string[], timeoutMs = 10_000): Promise<string> {
    const { stdout } = await execFileAsync(IP, ['netns', 'exec', this.name, ...argv], {
      timeout: timeoutMs,
    });
    return stdout;
  }

  /** Starts a long-running process on this host; destroy() ends it if nothing else did. */
  spawn(argv: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(IP, ['netns', 'exec', this.name, ...argv], options);
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** SIGTERM, then SIGKILL after `graceMs`, for every process started here. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.#children].map((child) => stopChild(child, graceMs)));
  }
}

/** Stops one child: SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs + 2_000))]);
  clearTimeout(timer);
}

/** One end of a veth link: the label of a test host, or `null` for the namespace this process runs in. */
export interface LinkEnd {
  host: string | null;
  dev: string;
  /** Address with prefix length, e.g. 10.77.1.2/24. */
  address: string;
}

export interface LinkSpec {
  a: LinkEnd;
  b: LinkEnd;
}

/**
 * A set of test hosts and the veth links between them (and this namespace).
 * Only directly connected routes exist: no default route, no forwarding.
 */
export class Topology {
  readonly hosts: TestHost[];
  #destroyed = false;
  readonly #onExit = (): void => this.#destroySync();

  private constructor(hosts: TestHost[]) {
    this.hosts = hosts;
  }

  /**
   * Creates the hosts and links. On any failure, deletes what it made and
   * rethrows.
   */
  static async create(labels: string[], links: LinkSpec[]): Promise<Topology> {
    await assertPrivateNamespace();
    await removeStaleNamespaces();
    const hosts = labels.map((label) => new TestHost(label));
    const topology = new Topology(hosts);
    process.once('exit', topology.#onExit);
    try {
      for (const host of hosts) {
        await ip(['netns', 'add', host.name]);
        await host.run([IP, 'link', 'set', 'lo', 'up']);
      }
      for (const link of links) {
        const hostOf = (end: LinkEnd): TestHost | null =>
          end.host === null ? null : topology.host(end.host);
        const where = (end: LinkEnd): string[] => {
          const host = hostOf(end);
          return host ? ['netns', host.name] : [];
        };
        for (const end of [link.a, link.b]) {
          if (end.host === null && !end.dev.startsWith(LOCAL_LINK_PREFIX)) {
            throw new Error(`a link in this namespace must be named ${LOCAL_LINK_PREFIX}*: ${end.dev}`);
          }
        }
        await ip([
          'link',
          'add',
          link.a.dev,
          ...where(link.a),
          'type',
          'veth',
          'peer',
          'name',
          link.b.dev,
          ...where(link.b),
        ]);
        for (const end of [link.a, link.b]) {
          const host = hostOf(end);
          const inNs = (args: string[]): Promise<string> => (host ? host.run([IP, ...args]) : ip(args));
          await inNs(['addr', 'add', end.address, 'dev', end.dev]);
          await inNs(['link', 'set', end.dev, 'up']);
        }
      }
    } catch (error) {
      await topology.destroy();
      throw error;
    }
    return topology;
  }

  /** Links of this namespace that this module made (their peers die with the test hosts). */
  static async localLinks(): Promise<string[]> {
    return (await localLinks()).filter((n) => n.startsWith(LOCAL_LINK_PREFIX));
  }

  host(label: string): TestHost {
    const host = this.hosts.find((h) => h.name.endsWith(`-${label}`));
    if (!host) {
      throw new Error(`no test host ${label}`);
    }
    return host;
  }

  /** Ends every process on the test hosts and deletes them (and so their veths). Idempotent. */
  async destroy(): Promise<void> {
    if (this.#destroyed) {
      return;
    }
    this.#destroyed = true;
    process.off('exit', this.#onExit);
    await Promise.all(this.hosts.map((h) => h.stopAll(3_000)));
    for (const host of this.hosts) {
      await deleteNetns(host.name);
    }
    for (const dev of await Topology.localLinks().catch(() => [])) {
      await ip(['link', 'del', dev]).catch(() => undefined);
    }
  }

  /** Last resort when the process exits without destroy(): synchronous, bounded. */
  #destroySync(): void {
    if (this.#destroyed) {
      return;
    }
    this.#destroyed = true;
    for (const host of this.hosts) {
      try {
        const pids = execFileSync(IP, ['netns', 'pids', host.name], { timeout: 2_000 })
          .toString()
          .split('\n')
          .map(Number)
          .filter((n) => n > 0);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        execFileSync(IP, ['netns', 'del', host.name], { timeout: 2_000 });
      } catch {
        // best effort
      }
    }
  }
}

/** Does `host` (or this namespace) have a route to `address`? */
export async function hasRoute(address: string, host: TestHost | null = null): Promise<boolean> {
  const args = ['route', 'get', address];
  try {
    await (host ? host.run([IP, ...args]) : ip(args));
    return true;
  } catch {
    return false;
  }
}

/**
 * A TCP forwarder in this namespace: 127.0.0.1:<port> -> target. Lets the
 * browser reach a service on a test host through a loopback origin (a secure
 * context, as a TLS proxy would give it in production).
 */
export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

export async function forwardTcp(targetHost: string, targetPort: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
