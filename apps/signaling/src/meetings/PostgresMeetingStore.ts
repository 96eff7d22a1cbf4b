import { randomBytes } from 'node:crypto';
import { meetingKindSchema, meetingStatusSchema } from '@confidentiel/protocol';
import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import {
  MEETING_LIFETIME_MS,
  newMeetingId,
  openMeeting,
  type Meeting,
  type MeetingPatch,
  type MeetingStore,
  type NewOrganiserMeeting,
} from './MeetingStore.ts';

/**
 * The `meetings` feature's PostgreSQL migrations: the table of
 * MEETING_MIGRATIONS (SqliteMeetingStore) with a real BOOLEAN, and `seq`, the
 * insertion order (SQLite's rowid) that breaks ties in listings. Append,
 * never edit a released one.
 */
export const POSTGRES_MEETING_MIGRATIONS: readonly string[] = [
  `CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    title TEXT,
    created_at BIGINT NOT NULL,
    owner_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'consultation', 'committee')),
    starts_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    allow_early_entry BOOLEAN NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX meetings_by_owner ON meetings (owner_id, starts_at);
  CREATE INDEX meetings_open_by_age ON meetings (created_at) WHERE owner_id IS NULL;`,
];

interface MeetingRow {
  id: string;
  title: string | null;
  created_at: number;
  owner_id: string | null;
  kind: string;
  starts_at: number;
  status: string;
  allow_early_entry: boolean;
}

const COLUMNS = 'id, title, created_at, owner_id, kind, starts_at, status, allow_early_entry';

function fromRow(row: MeetingRow): Meeting {
  return {
    id: row.id,
    title: row.title ?? undefined,
    createdAt: row.created_at,
    ownerId: row.owner_id,
    // The CHECK constraints keep these in range; parse anyway rather than cast.
    kind: meetingKindSchema.parse(row.kind),
    startsAt: row.starts_at,
    status: meetingStatusSchema.parse(row.status),
    allowEarlyEntry: row.allow_early_entry,
  };
}

export interface PostgresMeetingStoreOptions {
  database: PostgresDatabase;
  now?: () => number;
  random?: (n: number) => Buffer;
}

/** Meetings in PostgreSQL (feature `meetings`); every organiser statement is scoped by owner. */
export class PostgresMeetingStore implements MeetingStore {
  readonly #db: PostgresDatabase;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;

  private constructor(options: PostgresMeetingStoreOptions) {
    this.#db = options.database;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
  }

  /** Migrates the `meetings` table, then gives the store. */
  static async open(options: PostgresMeetingStoreOptions): Promise<PostgresMeetingStore> {
    await options.database.migrate('meetings', POSTGRES_MEETING_MIGRATIONS);
    return new PostgresMeetingStore(options);
  }

  async create(title: string | undefined): Promise<Meeting> {
    const now = this.#now();
    await this.#db.query('DELETE FROM meetings WHERE owner_id IS NULL AND created_at < $1', [
      now - MEETING_LIFETIME_MS,
    ]);
    const meeting = openMeeting(newMeetingId(this.#random), title, now);
    await this.#insert(meeting);
    return meeting;
  }

  async get(id: string): Promise<Meeting | undefined> {
    const { rows } = await this.#db.query<MeetingRow>(
      `SELECT ${COLUMNS} FROM meetings WHERE id = $1 AND status = 'scheduled'
         AND (owner_id IS NOT NULL OR created_at >= $2)`,
      [id, this.#now() - MEETING_LIFETIME_MS],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async createForOrganiser(ownerId: string, input: NewOrganiserMeeting): Promise<Meeting> {
    const meeting: Meeting = {
      id: newMeetingId(this.#random),
      title: input.title,
      createdAt: this.#now(),
      ownerId,
      kind: input.kind,
      startsAt: input.startsAt,
      status: 'scheduled',
      allowEarlyEntry: input.allowEarlyEntry,
    };
    await this.#insert(meeting);
    return meeting;
  }

  async listByOwner(ownerId: string): Promise<Meeting[]> {
    const { rows } = await this.#db.query<MeetingRow>(
      `SELECT ${COLUMNS} FROM meetings WHERE owner_id = $1 ORDER BY starts_at, created_at, seq`,
      [ownerId],
    );
    return rows.map(fromRow);
  }

  async getOwned(ownerId: string, id: string): Promise<Meeting | undefined> {
    const { rows } = await this.#db.query<MeetingRow>(
      `SELECT ${COLUMNS} FROM meetings WHERE id = $1 AND owner_id = $2`,
      [id, ownerId],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async update(ownerId: string, id: string, patch: MeetingPatch): Promise<Meeting | undefined> {
    // COALESCE keeps the stored value for a field the patch leaves out; one
    // statement, so a concurrent cancel either comes before (nothing changes) or after.
    const { rows } = await this.#db.query<MeetingRow>(
      `UPDATE meetings SET
         title = COALESCE($3, title),
         kind = COALESCE($4, kind),
         starts_at = COALESCE($5, starts_at),
         allow_early_entry = COALESCE($6, allow_early_entry)
       WHERE id = $1 AND owner_id = $2 AND status = 'scheduled'
       RETURNING ${COLUMNS}`,
      [
        id,
        ownerId,
        patch.title ?? null,
        patch.kind ?? null,
        patch.startsAt ?? null,
        patch.allowEarlyEntry ?? null,
      ],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async cancel(ownerId: string, id: string): Promise<Meeting | undefined> {
    const { rows } = await this.#db.query<MeetingRow>(
      `UPDATE meetings SET status = 'cancelled' WHERE id = $1 AND owner_id = $2 RETURNING ${COLUMNS}`,
      [id, ownerId],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async #insert(meeting: Meeting): Promise<void> {
    await this.#db.query(`INSERT INTO meetings (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      meeting.id,
      meeting.title ?? null,
      meeting.createdAt,
      meeting.ownerId,
      meeting.kind,
      meeting.startsAt,
      meeting.status,
      meeting.allowEarlyEntry,
    ]);
  }
}
