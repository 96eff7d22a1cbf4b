import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * The SQLite file signaling keeps its durable state in (accounts, meetings,
 * invites). One file under the data directory by default; `:memory:` in tests.
 * Each feature owns its tables and brings its own ordered migrations, applied
 * once each and recorded in `schema_migrations`.
 */
export class Database {
  readonly #db: DatabaseSync;
  #closed = false;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    }
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA foreign_keys = ON');
    this.#db.exec('PRAGMA busy_timeout = 5000');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      feature TEXT NOT NULL,
      version INTEGER NOT NULL,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (feature, version)
    ) STRICT`);
  }

  get sqlite(): DatabaseSync {
    if (this.#closed) {
      throw new Error('database is closed');
    }
    return this.#db;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Applies the feature's migrations not applied yet, in order, each in a
   * transaction. `migrations[i]` is version i + 1; never edit a released one,
   * append a new one.
   */
  migrate(feature: string, migrations: readonly string[]): void {
    const db = this.sqlite;
    const row = db
      .prepare('SELECT MAX(version) AS version FROM schema_migrations WHERE feature = ?')
      .get(feature) as { version: number | null } | undefined;
    const applied = row?.version ?? 0;
    if (applied > migrations.length) {
      throw new Error(
        `database has ${feature} schema version ${applied}, newer than this program (${migrations.length})`,
      );
    }
    for (let version = applied + 1; version <= migrations.length; version++) {
      this.transaction(() => {
        db.exec(migrations[version - 1]!);
        db.prepare('INSERT INTO schema_migrations (feature, version, applied_at) VALUES (?, ?, ?)').run(
          feature,
          version,
          Date.now(),
        );
      });
    }
  }

  /** Runs `work` in one transaction (rolled back if it throws). */
  transaction<T>(work: () => T): T {
    const db = this.sqlite;
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#db.close();
  }
}
