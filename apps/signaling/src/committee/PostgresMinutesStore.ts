import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import type { MinutesRevision, MinutesStore } from './MinutesStore.ts';

/**
 * The `minutes` feature's PostgreSQL migrations: the table of
 * MINUTES_MIGRATIONS (SqliteMinutesStore). Append, never edit a released one.
 */
export const POSTGRES_MINUTES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE committee_minutes (
    meeting_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    sealed TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, item_id, revision)
  );`,
];

interface MinutesRow {
  meeting_id: string;
  item_id: string;
  revision: number;
  sealed: string;
  sha256: string;
  saved_at: number;
}

function fromRow(row: MinutesRow): MinutesRevision {
  return {
    meetingId: row.meeting_id,
    itemId: row.item_id,
    revision: row.revision,
    sealed: row.sealed,
    sha256: row.sha256,
    savedAt: row.saved_at,
  };
}

/** Sealed committee minutes in PostgreSQL (feature `minutes`). */
export class PostgresMinutesStore implements MinutesStore {
  readonly #db: PostgresDatabase;

  private constructor(database: PostgresDatabase) {
    this.#db = database;
  }

  /** Migrates the `committee_minutes` table, then gives the store. */
  static async open(options: { database: PostgresDatabase }): Promise<PostgresMinutesStore> {
    await options.database.migrate('minutes', POSTGRES_MINUTES_MIGRATIONS);
    return new PostgresMinutesStore(options.database);
  }

  async latestRevision(meetingId: string, itemId: string): Promise<number> {
    const { rows } = await this.#db.query<{ revision: number }>(
      `SELECT COALESCE(MAX(revision), 0) AS revision FROM committee_minutes
       WHERE meeting_id = $1 AND item_id = $2`,
      [meetingId, itemId],
    );
    return rows[0]?.revision ?? 0;
  }

  async save(minutes: MinutesRevision): Promise<boolean> {
    // One statement: stored only if it follows the latest revision. Two editors
    // saving revision n at once both see n - 1; the primary key lets one in and
    // ON CONFLICT turns the other into "not stored", never an error.
    const { rowCount } = await this.#db.query(
      `INSERT INTO committee_minutes (meeting_id, item_id, revision, sealed, sha256, saved_at)
       SELECT $1::text, $2::text, $3::integer, $4::text, $5::text, $6::bigint
       WHERE (SELECT COALESCE(MAX(revision), 0) FROM committee_minutes
               WHERE meeting_id = $1 AND item_id = $2) = $3 - 1
       ON CONFLICT (meeting_id, item_id, revision) DO NOTHING`,
      [minutes.meetingId, minutes.itemId, minutes.revision, minutes.sealed, minutes.sha256, minutes.savedAt],
    );
    return rowCount === 1;
  }

  async latest(meetingId: string): Promise<MinutesRevision[]> {
    const { rows } = await this.#db.query<MinutesRow>(
      `SELECT m.meeting_id, m.item_id, m.revision, m.sealed, m.sha256, m.saved_at
         FROM committee_minutes m
        WHERE m.meeting_id = $1
          AND m.revision = (SELECT MAX(revision) FROM committee_minutes
                             WHERE meeting_id = m.meeting_id AND item_id = m.item_id)
        ORDER BY m.saved_at, m.item_id COLLATE "C"`,
      [meetingId],
    );
    return rows.map(fromRow);
  }
}
