import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { meetingKindSchema, meetingStatusSchema } from '@confidentiel/protocol';
import type { Database } from '../storage/Database.ts';
import {
  MEETING_LIFETIME_MS,
  newMeetingId,
  openMeeting,
  type Meeting,
  type MeetingPatch,
  type MeetingStore,
  type NewOrganiserMeeting,
} from './MeetingStore.ts';
import { settle } from './settle.ts';

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
];

interface MeetingRow {
  id: string;
  title: string | null;
  created_at: number;
  owner_id: string | null;
  kind: string;
  starts_at: number;
  status: string;
  allow_early_entry: number;
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
  readonly #cancel: StatementSync;
  readonly #pruneOpen: StatementSync;

  constructor(deps: { database: Database; now?: () => number; random?: (n: number) => Buffer }) {
    this.#database = deps.database;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? randomBytes;
    deps.database.migrate('meetings', MEETING_MIGRATIONS);
    const db = deps.database.sqlite;
    this.#insert = db.prepare(
      `INSERT INTO meetings (${COLUMNS}) VALUES (:id, :title, :createdAt, :ownerId, :kind, :startsAt, :status, :allowEarlyEntry)`,
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
    this.#cancel = db.prepare(`UPDATE meetings SET status = 'cancelled' WHERE id = ? AND owner_id = ?`);
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
        this.#cancel.run(id, ownerId);
        return this.#owned(ownerId, id);
      }),
    );
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
      status: meeting.status,
      allowEarlyEntry: Number(meeting.allowEarlyEntry),
    });
  }
}
