/**
 * The two database engines signaling's stores run on, for tests that must
 * pass on both: SQLite (a temporary file per database) and PostgreSQL (one
 * real server per test file, started on first use, a new database per
 * `newDatabase()`). Stores come from createStores, as in production.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStores, type StoreDeps, type Stores } from '../../src/storage/createStores.ts';
import { startPostgresServer, type PostgresServer } from './postgresServer.ts';

/** One empty database; every `open` gives new stores on it (as a second node, or a restart, would). */
export interface TestDatabase {
  /** The settings createStores reads (DATABASE_URL, or the SQLite file). */
  settings: { DATABASE_URL?: string; databasePath: string };
  open(deps?: StoreDeps): Promise<Stores>;
}

export interface StoreEngine {
  readonly name: 'SQLite' | 'PostgreSQL';
  newDatabase(): Promise<TestDatabase>;
  /** Closes every store opened so far and forgets the databases (afterEach). */
  cleanup(): Promise<void>;
  /** cleanup(), and stops the server if one was started (afterAll). */
  stop(): Promise<void>;
}

function engine(
  name: StoreEngine['name'],
  settingsOfNewDatabase: () => Promise<TestDatabase['settings']>,
  stopServer: () => Promise<void>,
  forget: () => Promise<void>,
): StoreEngine {
  const opened: Stores[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(opened.splice(0).map((stores) => stores.close()));
    await forget();
  };
  return {
    name,
    async newDatabase() {
      const settings = await settingsOfNewDatabase();
      return {
        settings,
        async open(deps = {}) {
          const stores = await createStores(settings, deps);
          opened.push(stores);
          return stores;
        },
      };
    },
    cleanup,
    async stop() {
      await cleanup();
      await stopServer();
    },
  };
}

/** SQLite: each database a file in a temporary directory, removed by cleanup(). */
export function sqliteEngine(): StoreEngine {
  const dirs: string[] = [];
  return engine(
    'SQLite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'stores-sqlite-'));
      dirs.push(dir);
      return { databasePath: join(dir, 'confidentiel.sqlite') };
    },
    () => Promise.resolve(),
    async () => {
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  );
}

/** PostgreSQL: one server for the file (started on the first database), a database per test. */
export function postgresEngine(): StoreEngine {
  let server: Promise<PostgresServer> | undefined;
  return engine(
    'PostgreSQL',
    async () => {
      server ??= startPostgresServer();
      const url = await (await server).createDatabase();
      return { DATABASE_URL: url, databasePath: ':unused:' };
    },
    async () => {
      const running = server;
      server = undefined;
      await (await running)?.stop();
    },
    () => Promise.resolve(),
  );
}
