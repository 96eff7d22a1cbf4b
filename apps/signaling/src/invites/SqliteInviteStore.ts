import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { inviteRoleSchema } from '@confidentiel/protocol';
import { settle } from '../meetings/settle.ts';
import type { Database } from '../storage/Database.ts';
import { newInviteId, type Invite, type InviteStore, type NewInvite } from './InviteStore.ts';

/**
 * The `invites` feature's migrations: append, never edit a released one.
 * Invites reference the `meetings` table (SqliteMeetingStore) of the same database.
 */
export const INVITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    label TEXT,
    role TEXT NOT NULL CHECK (role IN ('co-host', 'participant', 'observer')),
    passcode_hash TEXT,
    require_admission INTEGER NOT NULL CHECK (require_admission IN (0, 1)),
    single_use INTEGER NOT NULL CHECK (single_use IN (0, 1)),
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0)
  ) STRICT;
  CREATE INDEX invites_by_meeting ON invites (meeting_id, created_at);`,
];

interface InviteRow {
  id: string;
  meeting_id: string;
  label: string | null;
  role: string;
  passcode_hash: string | null;
  require_admission: number;
  single_use: number;
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
  uses: number;
}

const COLUMNS =
  'id, meeting_id, label, role, passcode_hash, require_admission, single_use, expires_at, created_at, revoked_at, uses';

/** The one definition of "usable", shared by reads and by the atomic redemption. */
const USABLE = `invites.revoked_at IS NULL
  AND (invites.expires_at IS NULL OR invites.expires_at > :now)
  AND (invites.single_use = 0 OR invites.uses = 0)
  AND EXISTS (SELECT 1 FROM meetings WHERE meetings.id = invites.meeting_id AND meetings.status = 'scheduled')`;

function fromRow(row: InviteRow): Invite {
  return {
    id: row.id,
    meetingId: row.meeting_id,
    label: row.label,
    role: inviteRoleSchema.parse(row.role),
    passcodeHash: row.passcode_hash,
    requireAdmission: row.require_admission === 1,
    singleUse: row.single_use === 1,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    uses: row.uses,
  };
}

/** Invites in the signaling database (feature `invites`). */
export class SqliteInviteStore implements InviteStore {
  readonly #database: Database;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  readonly #insert: StatementSync;
  readonly #select: StatementSync;
  readonly #selectUsable: StatementSync;
  readonly #selectByMeeting: StatementSync;
  readonly #redeem: StatementSync;
  readonly #revoke: StatementSync;
  readonly #selectOfMeeting: StatementSync;

  constructor(deps: { database: Database; now?: () => number; random?: (n: number) => Buffer }) {
    const db = deps.database.sqlite;
    const meetingsTable = db
      .prepare("SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = 'meetings'")
      .get();
    if (meetingsTable === undefined) {
      throw new Error('invites reference meetings: create the SqliteMeetingStore on this database first');
    }
    this.#database = deps.database;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? randomBytes;
    deps.database.migrate('invites', INVITE_MIGRATIONS);
    this.#insert = db.prepare(
      `INSERT INTO invites (${COLUMNS}) VALUES (:id, :meetingId, :label, :role, :passcodeHash,
         :requireAdmission, :singleUse, :expiresAt, :createdAt, NULL, 0)`,
    );
    this.#select = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE id = ?`);
    this.#selectOfMeeting = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE id = ? AND meeting_id = ?`);
    this.#selectUsable = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE id = :id AND ${USABLE}`);
    this.#selectByMeeting = db.prepare(
      `SELECT ${COLUMNS} FROM invites WHERE meeting_id = ? ORDER BY created_at, rowid`,
    );
    this.#redeem = db.prepare(`UPDATE invites SET uses = uses + 1 WHERE id = :id AND ${USABLE}`);
    this.#revoke = db.prepare(
      'UPDATE invites SET revoked_at = COALESCE(revoked_at, :now) WHERE id = :id AND meeting_id = :meetingId',
    );
  }

  create(input: NewInvite): Promise<Invite> {
    return settle(() => {
      const invite: Invite = {
        id: newInviteId(this.#random),
        meetingId: input.meetingId,
        label: input.label,
        role: input.role,
        passcodeHash: input.passcodeHash,
        requireAdmission: input.requireAdmission,
        singleUse: input.singleUse,
        expiresAt: input.expiresAt,
        createdAt: this.#now(),
        revokedAt: null,
        uses: 0,
      };
      this.#insert.run({
        id: invite.id,
        meetingId: invite.meetingId,
        label: invite.label,
        role: invite.role,
        passcodeHash: invite.passcodeHash,
        requireAdmission: Number(invite.requireAdmission),
        singleUse: Number(invite.singleUse),
        expiresAt: invite.expiresAt,
        createdAt: invite.createdAt,
      });
      return invite;
    });
  }

  get(id: string): Promise<Invite | undefined> {
    return settle(() => this.#get(id));
  }

  getUsable(id: string): Promise<Invite | undefined> {
    return settle(() => {
      const row = this.#selectUsable.get({ id, now: this.#now() }) as InviteRow | undefined;
      return row && fromRow(row);
    });
  }

  async isUsable(id: string): Promise<boolean> {
    return (await this.getUsable(id)) !== undefined;
  }

  async isRevoked(id: string): Promise<boolean> {
    const invite = await this.get(id);
    return invite === undefined || invite.revokedAt !== null;
  }

  listByMeeting(meetingId: string): Promise<Invite[]> {
    return settle(() => (this.#selectByMeeting.all(meetingId) as unknown as InviteRow[]).map(fromRow));
  }

  redeem(id: string): Promise<Invite | undefined> {
    // The check and the count are one UPDATE, in a transaction with the read
    // back: no other redemption can slip in between, in this process or another.
    return settle(() =>
      this.#database.transaction(() => {
        const result = this.#redeem.run({ id, now: this.#now() });
        return result.changes === 1 ? this.#get(id) : undefined;
      }),
    );
  }

  revoke(meetingId: string, id: string): Promise<Invite | undefined> {
    return settle(() =>
      this.#database.transaction(() => {
        this.#revoke.run({ id, meetingId, now: this.#now() });
        const row = this.#selectOfMeeting.get(id, meetingId) as InviteRow | undefined;
        return row && fromRow(row);
      }),
    );
  }

  #get(id: string): Invite | undefined {
    const row = this.#select.get(id) as InviteRow | undefined;
    return row && fromRow(row);
  }
}
