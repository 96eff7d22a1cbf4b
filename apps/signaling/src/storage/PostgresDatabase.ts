import pg from 'pg';
import type { Logger } from 'pino';

/** What a query runs on: the pool, or the one client of a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A value a query parameter may take (the stores only bind these). */
export type SqlValue = string | number | boolean | null;

/** SQLSTATE of a unique or primary key violation. */
export const UNIQUE_VIOLATION = '23505';

/** Held while migrations run, so that nodes starting together migrate one after the other. */
const MIGRATION_LOCK = 0x636f6e66; // "conf"

/** How long a new connection may take before its query fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/** OID of `int8` (BIGINT): instants in milliseconds and counts. */
const INT8_OID = 20;

/**
 * BIGINT as a number (pg gives strings by default): every BIGINT here is an
 * instant in milliseconds or a count, far below 2^53. A value above is refused
 * rather than rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`BIGINT ${text} is beyond the safe integers`);
  }
  return value;
}

const defaultParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown;

/** pg's parsers, but BIGINT as a number (given per pool: pg.types itself is global). */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : defaultParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /** Connections at most in the pool. Default 10. */
  maxConnections?: number;
  /** Where a lost idle connection is reported (the pool reconnects by itself). */
  logger?: Logger;
}

/** Whether `error` is PostgreSQL's refusal of a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === UNIQUE_VIOLATION;
}

/**
 * The PostgreSQL database signaling keeps its durable state in when
 * DATABASE_URL is set: the same tables as the SQLite file (Database.ts), each
 * feature with its own ordered migrations recorded in `schema_migrations`.
 * Several signaling nodes share it; whatever must be atomic is one
 * conditional statement or one transaction, never a check in this process.
 */
export class PostgresDatabase {
  readonly #pool: pg.Pool;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: PostgresDatabaseOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      // A server that does not answer fails the query instead of holding it forever.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types,
    });
    // An idle client lost its connection (server restart): the pool drops it and the next
    // query reconnects; without a listener the error would end the process.
    this.#pool.on('error', (error) => {
      options.logger?.warn({ err: error }, 'idle PostgreSQL connection lost');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** One statement with `$1…` parameters (never values spliced into the text). */
  async query<R extends pg.QueryResultRow>(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<pg.QueryResult<R>> {
    this.#checkOpen();
    return this.#pool.query<R>(sql, [...params]);
  }

  /**
   * Runs `work` in one transaction on one client (rolled back if it throws).
   * READ COMMITTED, as PostgreSQL's default: the stores make their checks
   * part of the statements (conditional UPDATE, ON CONFLICT) or lock rows.
   */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    this.#checkOpen();
    const client = await this.#pool.connect();
    // A client whose connection broke mid-transaction must not go back to the pool.
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Applies the feature's migrations not applied yet, in order, in one
   * transaction holding an advisory lock: of several nodes starting at once,
   * one migrates and the others then find nothing to do. `migrations[i]` is
   * version i + 1; never edit a released one, append a new one.
   */
  async migrate(feature: string, migrations: readonly string[]): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        feature TEXT NOT NULL,
        version INTEGER NOT NULL,
        applied_at BIGINT NOT NULL,
        PRIMARY KEY (feature, version)
      )`);
      const { rows } = await client.query<{ version: number | null }>(
        'SELECT MAX(version) AS version FROM schema_migrations WHERE feature = $1',
        [feature],
      );
      const applied = rows[0]?.version ?? 0;
      if (applied > migrations.length) {
        throw new Error(
          `database has ${feature} schema version ${applied}, newer than this program (${migrations.length})`,
        );
      }
      for (let version = applied + 1; version <= migrations.length; version++) {
        await client.query(migrations[version - 1]!);
        await client.query(
          'INSERT INTO schema_migrations (feature, version, applied_at) VALUES ($1, $2, $3)',
          [feature, version, Date.now()],
        );
      }
    });
  }

  /** Whether the table exists in the current schema. */
  async hasTable(name: string): Promise<boolean> {
    const { rows } = await this.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [name]);
    return rows[0]?.found !== null && rows[0]?.found !== undefined;
  }

  /** Idempotent; waits for the connections to end. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = this.#pool.end();
    }
    return this.#closing;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new Error('database is closed');
    }
  }
}
