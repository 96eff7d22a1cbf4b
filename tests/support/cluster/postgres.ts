/**
 * PostgreSQL for a cluster test: Debian's PostgreSQL, initialised into a
 * temporary directory, listening on 127.0.0.1 on a free port (and a Unix
 * socket in that directory), without fsync, as a real child process a test
 * can SIGKILL (the data directory stays: start() runs crash recovery on it),
 * freeze, or stop.
 *
 * The same set-up as apps/signaling/test/support/postgresServer.ts (vitest):
 * Debian's binaries, run as the `postgres` OS user through setpriv when we
 * are root, no fsync. It differs where a cluster test needs more: a process
 * group that can be killed and restarted, and the application connecting as
 * a role of its own with a password (scram-sha-256 over TCP, as in
 * production) that owns its database but is no superuser. Only Node's
 * standard library and Debian's psql are used, so that any test runner can
 * import it.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { after, ManagedProcess, trackTempDir, waitFor } from './ManagedProcess.ts';
import { freeTcpPort } from './ports.ts';

const run = promisify(execFile);

/** Where Debian puts the server binaries; PG_BIN overrides it. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The OS user the server runs as when the tests run as root (PostgreSQL refuses root). */
const SERVER_USER = 'postgres';
/** How long initdb may take. */
export const POSTGRES_INITDB_TIMEOUT_MS = 60_000;
/** How long the server may take to accept connections after a start (crash recovery included). */
export const POSTGRES_READY_TIMEOUT_MS = 30_000;
/** How long one psql command may take. */
const PSQL_TIMEOUT_MS = 10_000;
/** The application's role and database. */
const APP_ROLE = 'confidentiel';
const APP_DATABASE = 'confidentiel';

export interface ClusterPostgres {
  readonly port: number;
  /** DATABASE_URL for signaling: role `confidentiel` (password), database `confidentiel`, over TCP. */
  readonly url: string;
  /** Process id of the postmaster now running (undefined while killed). */
  readonly pid: number | undefined;
  /** SIGKILL to the postmaster and its backends: every connection drops, committed data stays. */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and port (after kill()). */
  start(): Promise<void>;
  /** SIGSTOP to every server process: connections hang. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Runs one SQL command as the superuser (over the Unix socket); psql's unaligned, tuples-only output. */
  query(sql: string, database?: string): Promise<string>;
  /** Fast shutdown (SIGINT), then removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** How to run a PostgreSQL binary: as SERVER_USER when we are root. */
function asServerUser(binary: string): { command: string; user?: string } {
  return process.getuid?.() === 0
    ? { command: join(PG_BIN, binary), user: SERVER_USER }
    : { command: join(PG_BIN, binary) };
}

async function serverUserIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', SERVER_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', SERVER_USER])).stdout.trim());
  return { uid, gid };
}

export async function startPostgres(options: { logPath: string }): Promise<ClusterPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'confidentiel-pg-'));
  const untrack = trackTempDir(dir);
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  await mkdir(socketDir);
  if (process.getuid?.() === 0) {
    const { uid, gid } = await serverUserIds();
    await chown(dir, uid, gid);
    await chown(socketDir, uid, gid);
  }
  const password = randomBytes(24).toString('hex');
  const port = await freeTcpPort();
  let server: ManagedProcess | undefined;
  let stopped = false;

  const psql = async (sql: string, database = 'postgres'): Promise<string> => {
    const { stdout } = await run(
      join(PG_BIN, 'psql'),
      [
        '-X',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        socketDir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-c',
        sql,
      ],
      {
        env: { PATH: process.env.PATH, PGDATABASE: database, PGCONNECT_TIMEOUT: '2', LC_ALL: 'C' },
        timeout: PSQL_TIMEOUT_MS,
      },
    ).catch((error: unknown) => {
      throw new Error(`psql: ${(error as { stderr?: string }).stderr ?? String(error)}`, { cause: error });
    });
    return stdout.trim();
  };

  const start = async (): Promise<void> => {
    if (stopped) {
      throw new Error('postgres: start() after stop()');
    }
    if (server?.running) {
      throw new Error('postgres: start() while running (kill() it first)');
    }
    const proc = new ManagedProcess({
      name: 'postgres',
      ...asServerUser('postgres'),
      args: [
        '-D',
        data,
        '-k',
        socketDir,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        // No fsync and no full-page writes: what was written survives a
        // process crash (the kernel has it), not a machine crash, which no
        // test makes. synchronous_commit stays on: a commit acknowledged to
        // signaling is in the WAL before a test SIGKILLs the server.
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      logPath: options.logPath,
    });
    server = proc;
    try {
      await waitFor(
        `postgres on 127.0.0.1:${port}`,
        async () => (await psql('SELECT 1')) === '1',
        POSTGRES_READY_TIMEOUT_MS,
        {
          intervalMs: 200,
          gone: () => (proc.running ? undefined : `exited; see ${options.logPath}`),
        },
      );
    } catch (error) {
      await proc.kill();
      throw error;
    }
  };

  const stop = async (): Promise<void> => {
    stopped = true;
    // SIGINT: PostgreSQL's fast shutdown (ends the sessions, then exits).
    await server?.stop('SIGINT');
    await rm(dir, { recursive: true, force: true });
    untrack();
  };

  try {
    const initdb = asServerUser('initdb');
    const init = new ManagedProcess({
      name: 'initdb',
      command: initdb.command,
      ...(initdb.user ? { user: initdb.user } : {}),
      args: [
        '--pgdata',
        data,
        '--username',
        'postgres',
        // The superuser only over the Unix socket (in a directory only its
        // owner can enter); every TCP connection needs a password.
        '--auth-local',
        'trust',
        '--auth-host',
        'scram-sha-256',
        '--encoding',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ],
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      logPath: options.logPath,
    });
    const initialised = await Promise.race([init.exited, after(POSTGRES_INITDB_TIMEOUT_MS, undefined)]);
    await init.kill();
    if (initialised?.code !== 0) {
      throw new Error(
        `initdb ${initialised ? `failed (${initialised.code ?? initialised.signal})` : `took over ${POSTGRES_INITDB_TIMEOUT_MS} ms`}; see ${options.logPath}`,
      );
    }
    await start();
    // The password is hex: safe inside a SQL literal.
    await psql(`CREATE ROLE ${APP_ROLE} LOGIN PASSWORD '${password}'`);
    await psql(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}`);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    port,
    url: `postgres://${APP_ROLE}:${password}@127.0.0.1:${port}/${APP_DATABASE}`,
    get pid() {
      return server?.running ? server.pid : undefined;
    },
    kill: async () => {
      await server?.kill();
    },
    start,
    pause: () => server?.signal('SIGSTOP'),
    resume: () => server?.signal('SIGCONT'),
    query: psql,
    stop,
  };
}
