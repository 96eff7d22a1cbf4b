import type { Database } from './Database.ts';
import { openPostgresStores, openSqliteStores } from './createStores.ts';
import type { PostgresDatabase, Queryable, SqlValue } from './PostgresDatabase.ts';

/**
 * Every table of signaling's stores, parents before children (foreign keys).
 * A feature that adds a table adds it here: the migration refuses a database
 * with a table it does not know, and its test checks both engines' tables
 * against this list.
 */
export const MIGRATED_TABLES: readonly string[] = [
  'accounts',
  'account_recovery_codes',
  'account_login_failures',
  'account_login_challenges',
  'account_sessions',
  'account_invitations',
  'meetings',
  'invites',
  'agenda_items',
  'committee_minutes',
  'recordings',
  'recording_chunks',
];

/** Each engine records its own migrations: not copied. */
const NOT_MIGRATED = new Set(['schema_migrations']);

/** Rows per INSERT (PostgreSQL takes at most 65535 parameters per statement). */
const ROWS_PER_INSERT = 500;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Rows copied, per table. */
export type MigrationReport = Record<string, number>;

interface TargetColumn {
  name: string;
  boolean: boolean;
}

/**
 * Copies every row of the SQLite database into an empty PostgreSQL database,
 * in one PostgreSQL transaction: either everything is there afterwards, with
 * the same counts, or nothing is. Both schemas are brought up to date first
 * (the migrations signaling would apply at start). Refuses a PostgreSQL
 * database that already holds rows, and a table this program does not know.
 * The SQLite file is only read (once migrated); stop signaling before.
 */
export async function migrateToPostgres(
  source: Database,
  target: PostgresDatabase,
): Promise<MigrationReport> {
  openSqliteStores(source);
  await openPostgresStores(target);
  const sqliteTables = (
    source.sqlite
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as Array<{ name: string }>
  ).map((row) => row.name);
  checkKnown('SQLite', sqliteTables);
  const { rows: postgresTables } = await target.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  checkKnown(
    'PostgreSQL',
    postgresTables.map((row) => row.name),
  );

  return target.transaction(async (client) => {
    // Nobody writes into the tables while they are checked and filled.
    await client.query(`LOCK TABLE ${MIGRATED_TABLES.map(quote).join(', ')} IN EXCLUSIVE MODE`);
    for (const table of MIGRATED_TABLES) {
      const { rows } = await client.query<{ found: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS found`,
      );
      if (rows[0]?.found) {
        throw new MigrationError(
          `the PostgreSQL database already holds data (table ${table}): migrate into an empty database`,
        );
      }
    }
    const report: MigrationReport = {};
    for (const table of MIGRATED_TABLES) {
      report[table] = await copyTable(source, client, table);
    }
    return report;
  });
}

function checkKnown(engine: string, tables: readonly string[]): void {
  const unknown = tables.filter((name) => !NOT_MIGRATED.has(name) && !MIGRATED_TABLES.includes(name));
  if (unknown.length > 0) {
    throw new MigrationError(
      `the ${engine} database has tables this program does not migrate (${unknown.join(', ')}): use the program version that made them`,
    );
  }
}

async function copyTable(source: Database, client: Queryable, table: string): Promise<number> {
  const sourceColumns = (
    source.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>
  ).map((row) => row.name);
  const targetColumns = await columnsOf(client, table);
  const targetNames = targetColumns.map((column) => column.name);
  if (
    sourceColumns.length !== targetNames.length ||
    !sourceColumns.every((name) => targetNames.includes(name))
  ) {
    throw new MigrationError(
      `table ${table} differs: SQLite has (${sourceColumns.join(', ')}), PostgreSQL (${targetNames.join(', ')})`,
    );
  }
  // rowid order: PostgreSQL's `seq` columns then number the rows in SQLite's insertion order.
  const rows = source.sqlite
    .prepare(`SELECT ${targetNames.map(quote).join(', ')} FROM ${quote(table)} ORDER BY rowid`)
    .all() as Array<Record<string, unknown>>;
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const batch = rows.slice(start, start + ROWS_PER_INSERT);
    const params: SqlValue[] = [];
    const tuples = batch.map((row) => {
      const placeholders = targetColumns.map((column) => {
        params.push(toPostgres(table, column, row[column.name]));
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${quote(table)} (${targetNames.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`,
      params,
    );
  }
  const { rows: counted } = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
  if (counted[0]?.n !== rows.length) {
    throw new MigrationError(`table ${table}: ${rows.length} rows read, ${counted[0]?.n} written`);
  }
  return rows.length;
}

/** The table's columns PostgreSQL expects values for (identity columns number themselves). */
async function columnsOf(client: Queryable, table: string): Promise<TargetColumn[]> {
  const { rows } = await client.query<{ name: string; type: string; identity: string }>(
    `SELECT column_name AS name, data_type AS type, is_identity AS identity
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1
     ORDER BY ordinal_position`,
    [table],
  );
  return rows
    .filter((row) => row.identity !== 'YES')
    .map((row) => ({ name: row.name, boolean: row.type === 'boolean' }));
}

function toPostgres(table: string, column: TargetColumn, value: unknown): SqlValue {
  if (value === null || value === undefined) {
    return null;
  }
  if (column.boolean) {
    // SQLite keeps booleans as 0 / 1 (CHECK constraints say so).
    if (value !== 0 && value !== 1) {
      throw new MigrationError(`table ${table}, column ${column.name}: a value other than 0 or 1`);
    }
    return value === 1;
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  throw new MigrationError(`table ${table}, column ${column.name}: a value of type ${typeof value}`);
}

/** Identifiers come from this file's list and the databases' catalogues, never from input. */
function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) {
    throw new MigrationError(`not a plain identifier: ${identifier}`);
  }
  return `"${identifier}"`;
}
