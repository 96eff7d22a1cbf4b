import { randomBytes } from 'node:crypto';
import { meetingKindSchema } from '@confidentiel/protocol';
import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import {
  MEETING_LIFETIME_MS,
  newMeetingId,
  openMeeting,
  organiserMeeting,
  STATUS_UPDATE_TRIES,
  type Meeting,
  type MeetingPatch,
  type MeetingStatusOutcome,
  type MeetingStore,
  type NewOrganiserMeeting,
  type RoomEvent,
} from './MeetingStore.ts';
import { nextMeetingStatus, type MeetingEvent, type MeetingStatusTransition } from './meetingStatus.ts';
import { columnsFromStatus, STATUS_COLUMNS, statusFromColumns } from './statusColumns.ts';

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
  // The status follows the room: MEETING_MIGRATIONS' second one, the same columns (statusColumns.ts).
  `ALTER TABLE meetings ADD COLUMN session TEXT CHECK (session IN ('live', 'ended'));
  ALTER TABLE meetings ADD COLUMN session_started_at BIGINT;
  ALTER TABLE meetings ADD COLUMN session_ended_at BIGINT;`,
];

interface MeetingRow {
  id: string;
  title: string | null;
  created_at: number;
  owner_id: string | null;
  kind: string;
  starts_at: number;
  status: string;
  session: string | null;
  session_started_at: number | null;
  session_ended_at: number | null;
  allow_early_entry: boolean;
}

const COLUMNS = `id, title, created_at, owner_id, kind, starts_at, ${STATUS_COLUMNS}, allow_early_entry`;

function fromRow(row: MeetingRow): Meeting {
  return {
    id: row.id,
    title: row.title ?? undefined,
    createdAt: row.created_at,
    ownerId: row.owner_id,
    // The CHECK constraints keep these in range; parse anyway rather than cast.
    kind: meetingKindSchema.parse(row.kind),
    startsAt: row.starts_at,
    ...statusFromColumns(row),
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
    const meeting = organiserMeeting(newMeetingId(this.#random), ownerId, input, this.#now());
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
    const meeting = await this.getOwned(ownerId, id);
    return meeting && (await this.#apply(meeting, 'cancel', this.#now())).meeting;
  }

  async transition(id: string, event: RoomEvent, at: number): Promise<MeetingStatusOutcome> {
    const meeting = await this.#byId(id);
    if (!meeting) {
      return { kind: 'refused', reason: 'unknown' };
    }
    const { decided, meeting: after } = await this.#apply(meeting, event, at);
    return decided.kind === 'refused' ? decided : { kind: decided.kind, meeting: after };
  }

  /**
   * Decides, then updates only if the row is still what it was decided from (other nodes write
   * too); when it is not, decides again from what it became. The meeting as it is afterwards.
   */
  async #apply(
    meeting: Meeting,
    event: MeetingEvent,
    at: number,
  ): Promise<{ decided: MeetingStatusTransition; meeting: Meeting }> {
    let current = meeting;
    for (let attempt = 0; attempt < STATUS_UPDATE_TRIES; attempt++) {
      const decided = nextMeetingStatus(current, event, at);
      if (decided.kind !== 'changed') {
        return { decided, meeting: current };
      }
      const next = columnsFromStatus(decided.next);
      const was = columnsFromStatus(current);
      const { rows } = await this.#db.query<MeetingRow>(
        `UPDATE meetings SET status = $2, session = $3, session_started_at = $4, session_ended_at = $5
         WHERE id = $1 AND status = $6 AND session IS NOT DISTINCT FROM $7
           AND session_started_at IS NOT DISTINCT FROM $8 AND session_ended_at IS NOT DISTINCT FROM $9
         RETURNING ${COLUMNS}`,
        [
          current.id,
          next.status,
          next.session,
          next.session_started_at,
          next.session_ended_at,
          was.status,
          was.session,
          was.session_started_at,
          was.session_ended_at,
        ],
      );
      if (rows[0]) {
        return { decided, meeting: fromRow(rows[0]) };
      }
      const now = await this.#byId(current.id);
      if (!now) {
        return { decided: { kind: 'refused', reason: 'unknown' }, meeting: current };
      }
      current = now;
    }
    throw new Error(`the status of meeting ${meeting.id.slice(0, 6)} kept changing under its update`);
  }

  async #byId(id: string): Promise<Meeting | undefined> {
    const { rows } = await this.#db.query<MeetingRow>(`SELECT ${COLUMNS} FROM meetings WHERE id = $1`, [id]);
    return rows[0] && fromRow(rows[0]);
  }

  async #insert(meeting: Meeting): Promise<void> {
    const status = columnsFromStatus(meeting);
    await this.#db.query(
      `INSERT INTO meetings (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        meeting.id,
        meeting.title ?? null,
        meeting.createdAt,
        meeting.ownerId,
        meeting.kind,
        meeting.startsAt,
        status.status,
        status.session,
        status.session_started_at,
        status.session_ended_at,
        meeting.allowEarlyEntry,
      ],
    );
  }
}
