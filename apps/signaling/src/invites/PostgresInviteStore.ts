import { randomBytes } from 'node:crypto';
import { inviteRoleSchema } from '@confidentiel/protocol';
import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import { newInviteId, type Invite, type InviteStore, type NewInvite } from './InviteStore.ts';

/**
 * The `invites` feature's PostgreSQL migrations: the table of
 * INVITE_MIGRATIONS (SqliteInviteStore) with real BOOLEANs, and `seq`, the
 * insertion order (SQLite's rowid). Append, never edit a released one.
 * Invites reference the `meetings` table (PostgresMeetingStore) of the same database.
 */
export const POSTGRES_INVITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    label TEXT,
    role TEXT NOT NULL CHECK (role IN ('co-host', 'participant', 'observer')),
    passcode_hash TEXT,
    require_admission BOOLEAN NOT NULL,
    single_use BOOLEAN NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX invites_by_meeting ON invites (meeting_id, created_at);`,
];

interface InviteRow {
  id: string;
  meeting_id: string;
  label: string | null;
  role: string;
  passcode_hash: string | null;
  require_admission: boolean;
  single_use: boolean;
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
  uses: number;
}

const COLUMNS =
  'id, meeting_id, label, role, passcode_hash, require_admission, single_use, expires_at, created_at, revoked_at, uses';

/** The one definition of "usable" (`$2` is now), shared by reads and by the atomic redemption. */
const USABLE = `invites.revoked_at IS NULL
  AND (invites.expires_at IS NULL OR invites.expires_at > $2)
  AND (NOT invites.single_use OR invites.uses = 0)
  AND EXISTS (SELECT 1 FROM meetings WHERE meetings.id = invites.meeting_id AND meetings.status = 'scheduled')`;

function fromRow(row: InviteRow): Invite {
  return {
    id: row.id,
    meetingId: row.meeting_id,
    label: row.label,
    role: inviteRoleSchema.parse(row.role),
    passcodeHash: row.passcode_hash,
    requireAdmission: row.require_admission,
    singleUse: row.single_use,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    uses: row.uses,
  };
}

export interface PostgresInviteStoreOptions {
  database: PostgresDatabase;
  now?: () => number;
  random?: (n: number) => Buffer;
}

/** Invites in PostgreSQL (feature `invites`). */
export class PostgresInviteStore implements InviteStore {
  readonly #db: PostgresDatabase;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;

  private constructor(options: PostgresInviteStoreOptions) {
    this.#db = options.database;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
  }

  /** Migrates the `invites` table (after the meetings'), then gives the store. */
  static async open(options: PostgresInviteStoreOptions): Promise<PostgresInviteStore> {
    if (!(await options.database.hasTable('meetings'))) {
      throw new Error('invites reference meetings: open the PostgresMeetingStore on this database first');
    }
    await options.database.migrate('invites', POSTGRES_INVITE_MIGRATIONS);
    return new PostgresInviteStore(options);
  }

  async create(input: NewInvite): Promise<Invite> {
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
    await this.#db.query(
      `INSERT INTO invites (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0)`,
      [
        invite.id,
        invite.meetingId,
        invite.label,
        invite.role,
        invite.passcodeHash,
        invite.requireAdmission,
        invite.singleUse,
        invite.expiresAt,
        invite.createdAt,
      ],
    );
    return invite;
  }

  async get(id: string): Promise<Invite | undefined> {
    const { rows } = await this.#db.query<InviteRow>(`SELECT ${COLUMNS} FROM invites WHERE id = $1`, [id]);
    return rows[0] && fromRow(rows[0]);
  }

  async getUsable(id: string): Promise<Invite | undefined> {
    const { rows } = await this.#db.query<InviteRow>(
      `SELECT ${COLUMNS} FROM invites WHERE id = $1 AND ${USABLE}`,
      [id, this.#now()],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async isUsable(id: string): Promise<boolean> {
    return (await this.getUsable(id)) !== undefined;
  }

  async isRevoked(id: string): Promise<boolean> {
    const invite = await this.get(id);
    return invite === undefined || invite.revokedAt !== null;
  }

  async listByMeeting(meetingId: string): Promise<Invite[]> {
    const { rows } = await this.#db.query<InviteRow>(
      `SELECT ${COLUMNS} FROM invites WHERE meeting_id = $1 ORDER BY created_at, seq`,
      [meetingId],
    );
    return rows.map(fromRow);
  }

  async redeem(id: string): Promise<Invite | undefined> {
    // The check and the count are one UPDATE. A concurrent redemption (this
    // node or another) waits for the row lock, then PostgreSQL checks the
    // condition again against the committed row: a used-up invite no longer matches.
    const { rows } = await this.#db.query<InviteRow>(
      `UPDATE invites SET uses = uses + 1 WHERE id = $1 AND ${USABLE} RETURNING ${COLUMNS}`,
      [id, this.#now()],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async revoke(meetingId: string, id: string): Promise<Invite | undefined> {
    const { rows } = await this.#db.query<InviteRow>(
      `UPDATE invites SET revoked_at = COALESCE(revoked_at, $3)
       WHERE id = $1 AND meeting_id = $2 RETURNING ${COLUMNS}`,
      [id, meetingId, this.#now()],
    );
    return rows[0] && fromRow(rows[0]);
  }
}
