import type { StatementSync } from 'node:sqlite';
import { settle } from '../meetings/settle.ts';
import type { Database } from '../storage/Database.ts';
import type { MinutesRevision, MinutesStore } from './MinutesStore.ts';

/** The `minutes` feature's migrations: append, never edit a released one. */
export const MINUTES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE committee_minutes (
    meeting_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    sealed TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, item_id, revision)
  ) STRICT;`,
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

/** Sealed committee minutes in the signaling database (feature `minutes`). */
export class SqliteMinutesStore implements MinutesStore {
  readonly #database: Database;
  readonly #selectLatestRevision: StatementSync;
  readonly #insert: StatementSync;
  readonly #selectLatest: StatementSync;

  constructor(deps: { database: Database }) {
    this.#database = deps.database;
    deps.database.migrate('minutes', MINUTES_MIGRATIONS);
    const db = deps.database.sqlite;
    this.#selectLatestRevision = db.prepare(
      'SELECT COALESCE(MAX(revision), 0) AS revision FROM committee_minutes WHERE meeting_id = ? AND item_id = ?',
    );
    this.#insert = db.prepare(
      `INSERT INTO committee_minutes (meeting_id, item_id, revision, sealed, sha256, saved_at)
       VALUES (:meetingId, :itemId, :revision, :sealed, :sha256, :savedAt)`,
    );
    this.#selectLatest = db.prepare(
      `SELECT m.meeting_id, m.item_id, m.revision, m.sealed, m.sha256, m.saved_at
         FROM committee_minutes m
        WHERE m.meeting_id = ?
          AND m.revision = (SELECT MAX(revision) FROM committee_minutes
                             WHERE meeting_id = m.meeting_id AND item_id = m.item_id)
        ORDER BY m.saved_at, m.item_id`,
    );
  }

  latestRevision(meetingId: string, itemId: string): Promise<number> {
    return settle(() => this.#latestRevision(meetingId, itemId));
  }

  save(minutes: MinutesRevision): Promise<boolean> {
    return settle(() =>
      // Checked and written in one transaction: two editors cannot both store revision n.
      this.#database.transaction(() => {
        if (this.#latestRevision(minutes.meetingId, minutes.itemId) !== minutes.revision - 1) {
          return false;
        }
        this.#insert.run({ ...minutes });
        return true;
      }),
    );
  }

  latest(meetingId: string): Promise<MinutesRevision[]> {
    return settle(() => (this.#selectLatest.all(meetingId) as unknown as MinutesRow[]).map(fromRow));
  }

  #latestRevision(meetingId: string, itemId: string): number {
    return (this.#selectLatestRevision.get(meetingId, itemId) as { revision: number }).revision;
  }
}
