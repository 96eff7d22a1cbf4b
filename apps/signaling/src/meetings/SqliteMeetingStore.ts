import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { meetingKindSchema } from '@confidentiel/protocol';
import type { Database } from '../storage/Database.ts';
import {
  MEETING_LIFETIME_MS,
  newMeetingId,
  openMeeting,
  organiserMeeting,
  type Meeting,
  type MeetingPatch,
  type MeetingStatusOutcome,
  type MeetingStore,
  type NewOrganiserMeeting,
  type RoomEvent,
} from './MeetingStore.ts';
import { nextMeetingStatus, type MeetingEvent, type MeetingStatusTransition } from './meetingStatus.ts';
import { settle } from './settle.ts';
import { columnsFromStatus, STATUS_COLUMNS, statusFromColumns, type StatusColumns } from './statusColumns.ts';

/** The `meetings` feature's migrations: append, never edit a released one. */
export const MEETING_MIGRATIONS: readonly string[] = [
  `CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    title TEXT,
    created_at INTEGER NOT NULL,
    owner_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'consultation', 'committee')),
    starts_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    allow_early_entry INTEGER NOT NULL CHECK (allow_early_entry IN (0, 1))
  ) STRICT;
  CREATE INDEX meetings_by_owner ON meetings (owner_id, starts_at);
  CREATE INDEX meetings_open_by_age ON meetings (created_at) WHERE owner_id IS NULL;`,
  // The status follows the room (statusColumns.ts): where its room stands, and its latest session.
  // Added columns, not a wider CHECK on status: that would rebuild the table, and dropping it
  // cascades to the invites.
  `ALTER TABLE meetings ADD COLUMN session TEXT CHECK (session IN ('live', 'ended'));
  ALTER TABLE meetings ADD COLUMN session_started_at INTEGER;
  ALTER TABLE meetings ADD COLUMN session_ended_at INTEGER;`,
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
  allow_early_entry: number;
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
    allowEarlyEntry: row.allow_early_entry === 1,
  };
}

/** Meetings in the signaling database (feature `meetings`). */
export class SqliteMeetingStore implements MeetingStore {
  readonly #database: Database;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  readonly #insert: StatementSync;
  readonly #selectJoinable: StatementSync;
  readonly #selectOwned: StatementSync;
  readonly #selectByOwner: StatementSync;
  readonly #update: StatementSync;
  readonly #selectById: StatementSync;
  readonly #setStatus: StatementSync;
  readonly #pruneOpen: StatementSync;

  constructor(deps: { database: Database; now?: () => number; random?: (n: number) => Buffer }) {
    this.#database = deps.database;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? randomBytes;
    deps.database.migrate('meetings', MEETING_MIGRATIONS);
    const db = deps.database.sqlite;
    this.#insert = db.prepare(
      `INSERT INTO meetings (${COLUMNS}) VALUES (:id, :title, :createdAt, :ownerId, :kind, :startsAt,
         :status, :session, :session_started_at, :session_ended_at, :allowEarlyEntry)`,
    );
    this.#selectJoinable = db.prepare(
      `SELECT ${COLUMNS} FROM meetings WHERE id = ? AND status = 'scheduled'
         AND (owner_id IS NOT NULL OR created_at >= ?)`,
    );
    this.#selectOwned = db.prepare(`SELECT ${COLUMNS} FROM meetings WHERE id = ? AND owner_id = ?`);
    this.#selectByOwner = db.prepare(
      `SELECT ${COLUMNS} FROM meetings WHERE owner_id = ? ORDER BY starts_at, created_at, rowid`,
    );
    // COALESCE keeps the stored value for a field the patch leaves out.
    this.#update = db.prepare(
      `UPDATE meetings SET
         title = COALESCE(:title, title),
         kind = COALESCE(:kind, kind),
         starts_at = COALESCE(:startsAt, starts_at),
         allow_early_entry = COALESCE(:allowEarlyEntry, allow_early_entry)
       WHERE id = :id AND owner_id = :ownerId AND status = 'scheduled'`,
    );
    this.#selectById = db.prepare(`SELECT ${COLUMNS} FROM meetings WHERE id = ?`);
    // Conditional on the state the change was decided from (IS: equal, nulls included).
    this.#setStatus = db.prepare(
      `UPDATE meetings SET status = :status, session = :session,
         session_started_at = :session_started_at, session_ended_at = :session_ended_at
       WHERE id = :id AND status IS :was_status AND session IS :was_session
         AND session_started_at IS :was_session_started_at AND session_ended_at IS :was_session_ended_at`,
    );
    this.#pruneOpen = db.prepare('DELETE FROM meetings WHERE owner_id IS NULL AND created_at < ?');
  }

  create(title: string | undefined): Promise<Meeting> {
    return settle(() => {
      const now = this.#now();
      this.#pruneOpen.run(now - MEETING_LIFETIME_MS);
      const meeting = openMeeting(newMeetingId(this.#random), title, now);
      this.#insertMeeting(meeting);
      return meeting;
    });
  }

  get(id: string): Promise<Meeting | undefined> {
    return settle(() => {
      const row = this.#selectJoinable.get(id, this.#now() - MEETING_LIFETIME_MS) as MeetingRow | undefined;
      return row && fromRow(row);
    });
  }

  createForOrganiser(ownerId: string, input: NewOrganiserMeeting): Promise<Meeting> {
    return settle(() => {
      const meeting = organiserMeeting(newMeetingId(this.#random), ownerId, input, this.#now());
      this.#insertMeeting(meeting);
      return meeting;
    });
  }

  listByOwner(ownerId: string): Promise<Meeting[]> {
    return settle(() => (this.#selectByOwner.all(ownerId) as unknown as MeetingRow[]).map(fromRow));
  }

  getOwned(ownerId: string, id: string): Promise<Meeting | undefined> {
    return settle(() => this.#owned(ownerId, id));
  }

  update(ownerId: string, id: string, patch: MeetingPatch): Promise<Meeting | undefined> {
    return settle(() =>
      this.#database.transaction(() => {
        const result = this.#update.run({
          id,
          ownerId,
          title: patch.title ?? null,
          kind: patch.kind ?? null,
          startsAt: patch.startsAt ?? null,
          allowEarlyEntry: patch.allowEarlyEntry === undefined ? null : Number(patch.allowEarlyEntry),
        });
        return result.changes === 1 ? this.#owned(ownerId, id) : undefined;
      }),
    );
  }

  cancel(ownerId: string, id: string): Promise<Meeting | undefined> {
    return settle(() =>
      this.#database.transaction(() => {
        const meeting = this.#owned(ownerId, id);
        return meeting && this.#apply(meeting, 'cancel', this.#now()).meeting;
      }),
    );
  }

  transition(id: string, event: RoomEvent, at: number): Promise<MeetingStatusOutcome> {
    return settle(() =>
      this.#database.transaction(() => {
        const row = this.#selectById.get(id) as MeetingRow | undefined;
        if (!row) {
          return { kind: 'refused', reason: 'unknown' } as const;
        }
        const { decided, meeting } = this.#apply(fromRow(row), event, at);
        return decided.kind === 'refused' ? decided : { kind: decided.kind, meeting };
      }),
    );
  }

  /**
   * Decides and writes, in the caller's transaction (BEGIN IMMEDIATE: no other connection writes
   * the file between its read and this update); the update is conditional all the same.
   */
  #apply(
    meeting: Meeting,
    event: MeetingEvent,
    at: number,
  ): { decided: MeetingStatusTransition; meeting: Meeting } {
    const decided = nextMeetingStatus(meeting, event, at);
    if (decided.kind !== 'changed') {
      return { decided, meeting };
    }
    const result = this.#setStatus.run({
      id: meeting.id,
      ...columnsFromStatus(decided.next),
      ...previous(columnsFromStatus(meeting)),
    });
    if (result.changes !== 1) {
      throw new Error(`the status of meeting ${meeting.id.slice(0, 6)} changed under its update`);
    }
    return { decided, meeting: { ...meeting, ...decided.next } };
  }

  #owned(ownerId: string, id: string): Meeting | undefined {
    const row = this.#selectOwned.get(id, ownerId) as MeetingRow | undefined;
    return row && fromRow(row);
  }

  #insertMeeting(meeting: Meeting): void {
    this.#insert.run({
      id: meeting.id,
      title: meeting.title ?? null,
      createdAt: meeting.createdAt,
      ownerId: meeting.ownerId,
      kind: meeting.kind,
      startsAt: meeting.startsAt,
      ...columnsFromStatus(meeting),
      allowEarlyEntry: Number(meeting.allowEarlyEntry),
    });
  }
}

function previous(was: StatusColumns): Record<string, string | number | null> {
  return {
    was_status: was.status,
    was_session: was.session,
    was_session_started_at: was.session_started_at,
    was_session_ended_at: was.session_ended_at,
  };
}
