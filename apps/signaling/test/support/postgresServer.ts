/**
 * A real PostgreSQL server for a test: Debian's PostgreSQL 15, initialised
 * into a temporary directory, listening on loopback on a free port (and a
 * Unix socket in the same directory), without fsync; stopped (and the
 * directory removed) by `stop()`. PostgreSQL refuses to run as root: as root
 * (CI) it runs as the `postgres` user of the Debian package, through setpriv;
 * otherwise as the current user.
 *
 * Self-contained (no import of harness.ts, whose freeTcpPort and waitFor it
 * mirrors): store tests need neither the SFU nor the whole of signaling.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian puts the server binaries; PG_BIN overrides it. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The OS user the server runs as when the tests run as root. */
const SERVER_USER = 'postgres';

export interface PostgresServer {
  port: number;
  /** The server's `postgres` database, as superuser `postgres` (trust auth, loopback only). */
  url: string;
  /** A new, empty database; its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a server binary as SERVER_USER when we are root, directly otherwise. */
function asServerUser(binary: string, args: readonly string[]): [string, string[]] {
  const path = join(PG_BIN, binary);
  if (process.getuid?.() !== 0) {
    return [path, [...args]];
  }
  return ['setpriv', ['--reuid', SERVER_USER, '--regid', SERVER_USER, '--init-groups', '--', path, ...args]];
}

async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', SERVER_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', SERVER_USER])).stdout.trim());
  return { uid, gid };
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let databases = 0;

/** How long the server may take to accept connections. */
const START_TIMEOUT_MS = 20_000;

/** A free TCP port on loopback. */
async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'postgres-test-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUserIds();
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initdb, initArgs] = asServerUser('initdb', [
    '--pgdata',
    data,
    '--username',
    'postgres',
    '--auth',
    'trust',
    '--encoding',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  await run(initdb, initArgs, { env: { ...process.env, LC_ALL: 'C' } }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, {
      cause: error,
    });
  });
  const port = await freeTcpPort();
  const [postgres, serverArgs] = asServerUser('postgres', [
    '-D',
    data,
    '-k',
    dir,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    // A test server: speed over durability.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const output: string[] = [];
  const child: ChildProcess = spawn(postgres, serverArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        // SIGINT: PostgreSQL's fast shutdown (ends the sessions, then exits).
        child.kill('SIGINT');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not start on port ${port}: ${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    port,
    url,
    async createDatabase(name = `test_${process.pid}_${++databases}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
        throw new TypeError(`not a plain database name: ${name}`);
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // An identifier cannot be a parameter; the name was checked above.
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
