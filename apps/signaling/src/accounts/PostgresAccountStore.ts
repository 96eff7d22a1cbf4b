import { randomBytes } from 'node:crypto';
import { accountRoleSchema } from '@confidentiel/protocol';
import { isUniqueViolation, type PostgresDatabase, type Queryable } from '../storage/PostgresDatabase.ts';
import { AccountError } from './AccountError.ts';
import type {
  AccountRecord,
  AccountStore,
  InvitationRecord,
  LockoutPolicy,
  LoginChallengeRecord,
  NewAccount,
  SessionRecord,
} from './AccountStore.ts';
import { ACCOUNTS_FEATURE } from './SqliteAccountStore.ts';

/**
 * The `accounts` feature's PostgreSQL migrations: the tables of
 * ACCOUNT_MIGRATIONS (SqliteAccountStore), same names and columns, instants
 * in BIGINT milliseconds. Append only: never edit a released migration.
 */
export const POSTGRES_ACCOUNT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'organiser')),
    password_hash TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    totp_last_step BIGINT,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
  );
  CREATE TABLE account_recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
  );
  CREATE TABLE account_login_failures (
    email TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT
  );
  CREATE TABLE account_login_challenges (
    challenge_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    failures INTEGER NOT NULL
  );
  CREATE INDEX account_login_challenges_by_account ON account_login_challenges (account_id);
  CREATE TABLE account_sessions (
    session_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL
  );
  CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
  CREATE TABLE account_invitations (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'organiser')),
    invited_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    totp_secret TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
  );
  CREATE INDEX account_invitations_by_email ON account_invitations (email);`,
];

interface AccountRow {
  id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string;
  totp_secret: string;
  created_at: number;
  disabled_at: number | null;
}

interface InvitationRow {
  token_hash: string;
  email: string;
  display_name: string;
  role: string;
  invited_by: string | null;
  totp_secret: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

const ACCOUNT_COLUMNS = 'id, email, display_name, role, password_hash, totp_secret, created_at, disabled_at';
const INVITATION_COLUMNS =
  'token_hash, email, display_name, role, invited_by, totp_secret, created_at, expires_at, used_at';

export interface PostgresAccountStoreOptions {
  database: PostgresDatabase;
  /** Random bytes for account ids (injected in tests). */
  random?: (size: number) => Buffer;
}

/**
 * AccountStore on PostgreSQL (tables owned by feature `accounts`), for
 * several signaling nodes on one database. Every single-use check (TOTP step,
 * recovery code, challenge, enrolment invitation) is one conditional
 * statement, so concurrent requests on any node get one winner.
 */
export class PostgresAccountStore implements AccountStore {
  readonly #db: PostgresDatabase;
  readonly #random: (size: number) => Buffer;
  #closed = false;

  private constructor(options: PostgresAccountStoreOptions) {
    this.#db = options.database;
    this.#random = options.random ?? randomBytes;
  }

  /** Migrates the `accounts` tables, then gives the store. */
  static async open(options: PostgresAccountStoreOptions): Promise<PostgresAccountStore> {
    await options.database.migrate(ACCOUNTS_FEATURE, POSTGRES_ACCOUNT_MIGRATIONS);
    return new PostgresAccountStore(options);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async createAccount(account: NewAccount): Promise<AccountRecord> {
    this.#checkOpen();
    return this.#db.transaction((client) => this.#insertAccount(client, account));
  }

  async findAccountById(accountId: string): Promise<AccountRecord | undefined> {
    const row = await this.#one<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [
      accountId,
    ]);
    return row && toAccount(row);
  }

  async findAccountByEmail(email: string): Promise<AccountRecord | undefined> {
    const row = await this.#one<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = $1`, [
      email,
    ]);
    return row && toAccount(row);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    this.#checkOpen();
    const { rows } = await this.#db.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, email COLLATE "C"`,
    );
    return rows.map(toAccount);
  }

  async setDisabled(accountId: string, at: number | undefined): Promise<void> {
    this.#checkOpen();
    await this.#db.transaction(async (client) => {
      await client.query('UPDATE accounts SET disabled_at = $1 WHERE id = $2', [at ?? null, accountId]);
      if (at !== undefined) {
        await endSignIns(client, accountId);
      }
    });
  }

  async replaceSecondFactor(
    accountId: string,
    totpSecret: string,
    recoveryCodeHashes: readonly string[],
  ): Promise<void> {
    this.#checkOpen();
    await this.#db.transaction(async (client) => {
      await client.query('UPDATE accounts SET totp_secret = $1, totp_last_step = NULL WHERE id = $2', [
        totpSecret,
        accountId,
      ]);
      await client.query('DELETE FROM account_recovery_codes WHERE account_id = $1', [accountId]);
      await insertRecoveryCodes(client, accountId, recoveryCodeHashes);
      await endSignIns(client, accountId);
    });
  }

  async useTotpStep(accountId: string, step: number): Promise<boolean> {
    // One conditional UPDATE: a concurrent one on the same row waits for this
    // one's commit and then re-checks the condition against the new step.
    return (
      (await this.#exec(
        `UPDATE accounts SET totp_last_step = $1
         WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)`,
        [step, accountId],
      )) === 1
    );
  }

  async useRecoveryCode(accountId: string, codeHash: string, at: number): Promise<boolean> {
    return (
      (await this.#exec(
        `UPDATE account_recovery_codes SET used_at = $1
         WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL`,
        [at, accountId, codeHash],
      )) === 1
    );
  }

  async countRecoveryCodesLeft(accountId: string): Promise<number> {
    const row = await this.#one<{ n: number }>(
      'SELECT COUNT(*) AS n FROM account_recovery_codes WHERE account_id = $1 AND used_at IS NULL',
      [accountId],
    );
    return row?.n ?? 0;
  }

  async lockedUntil(email: string, at: number): Promise<number | undefined> {
    const row = await this.#one<{ locked_until: number | null }>(
      'SELECT locked_until FROM account_login_failures WHERE email = $1',
      [email],
    );
    const until = row?.locked_until ?? undefined;
    return until !== undefined && until > at ? until : undefined;
  }

  async recordLoginFailure(email: string, at: number, policy: LockoutPolicy): Promise<number | undefined> {
    this.#checkOpen();
    return this.#db.transaction(async (client) => {
      // The row exists before it is locked, so that concurrent failures of one
      // email (on any node) are counted one after the other, none lost.
      await client.query(
        `INSERT INTO account_login_failures (email, failures, last_failure_at, locked_until)
         VALUES ($1, 0, $2, NULL) ON CONFLICT (email) DO NOTHING`,
        [email, at],
      );
      const { rows } = await client.query<{ failures: number; locked_until: number | null }>(
        'SELECT failures, locked_until FROM account_login_failures WHERE email = $1 FOR UPDATE',
        [email],
      );
      const row = rows[0];
      if (row && row.locked_until !== null && row.locked_until > at) {
        // Already locked: failures while locked neither count nor extend it.
        return undefined;
      }
      const failures = (row?.failures ?? 0) + 1;
      const locks = failures >= policy.maxFailures;
      const lockedUntil = locks ? at + policy.lockoutMs : null;
      await client.query(
        `UPDATE account_login_failures SET failures = $2, last_failure_at = $3, locked_until = $4
         WHERE email = $1`,
        [email, locks ? 0 : failures, at, lockedUntil],
      );
      return lockedUntil ?? undefined;
    });
  }

  async clearLoginFailures(email: string): Promise<void> {
    await this.#exec('DELETE FROM account_login_failures WHERE email = $1', [email]);
  }

  async createChallenge(challenge: LoginChallengeRecord): Promise<void> {
    await this.#exec(
      `INSERT INTO account_login_challenges (challenge_hash, account_id, expires_at, failures)
       VALUES ($1, $2, $3, $4)`,
      [challenge.challengeHash, challenge.accountId, challenge.expiresAt, challenge.failures],
    );
  }

  async findChallenge(challengeHash: string): Promise<LoginChallengeRecord | undefined> {
    const row = await this.#one<{ account_id: string; expires_at: number; failures: number }>(
      'SELECT account_id, expires_at, failures FROM account_login_challenges WHERE challenge_hash = $1',
      [challengeHash],
    );
    return (
      row && {
        challengeHash,
        accountId: row.account_id,
        expiresAt: row.expires_at,
        failures: row.failures,
      }
    );
  }

  async recordChallengeFailure(challengeHash: string, maxFailures: number): Promise<void> {
    this.#checkOpen();
    // The UPDATE locks the row until the commit: a concurrent failure counts after this one.
    await this.#db.transaction(async (client) => {
      await client.query(
        'UPDATE account_login_challenges SET failures = failures + 1 WHERE challenge_hash = $1',
        [challengeHash],
      );
      await client.query(
        'DELETE FROM account_login_challenges WHERE challenge_hash = $1 AND failures >= $2',
        [challengeHash, maxFailures],
      );
    });
  }

  async deleteChallenge(challengeHash: string): Promise<boolean> {
    return (
      (await this.#exec('DELETE FROM account_login_challenges WHERE challenge_hash = $1', [
        challengeHash,
      ])) === 1
    );
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#exec(
      `INSERT INTO account_sessions
         (session_hash, account_id, csrf_token, created_at, expires_at, idle_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        session.sessionHash,
        session.accountId,
        session.csrfToken,
        session.createdAt,
        session.expiresAt,
        session.idleExpiresAt,
      ],
    );
  }

  async findSession(sessionHash: string): Promise<SessionRecord | undefined> {
    const row = await this.#one<{
      account_id: string;
      csrf_token: string;
      created_at: number;
      expires_at: number;
      idle_expires_at: number;
    }>(
      `SELECT account_id, csrf_token, created_at, expires_at, idle_expires_at
       FROM account_sessions WHERE session_hash = $1`,
      [sessionHash],
    );
    return (
      row && {
        sessionHash,
        accountId: row.account_id,
        csrfToken: row.csrf_token,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        idleExpiresAt: row.idle_expires_at,
      }
    );
  }

  async touchSession(sessionHash: string, idleExpiresAt: number): Promise<void> {
    await this.#exec(
      'UPDATE account_sessions SET idle_expires_at = LEAST($1, expires_at) WHERE session_hash = $2',
      [idleExpiresAt, sessionHash],
    );
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await this.#exec('DELETE FROM account_sessions WHERE session_hash = $1', [sessionHash]);
  }

  async createInvitation(invitation: InvitationRecord): Promise<void> {
    this.#checkOpen();
    await this.#db.transaction(async (client) => {
      await client.query('DELETE FROM account_invitations WHERE email = $1 AND used_at IS NULL', [
        invitation.email,
      ]);
      await client.query(
        `INSERT INTO account_invitations (${INVITATION_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          invitation.tokenHash,
          invitation.email,
          invitation.displayName,
          invitation.role,
          invitation.invitedBy ?? null,
          invitation.totpSecret ?? null,
          invitation.createdAt,
          invitation.expiresAt,
          invitation.usedAt ?? null,
        ],
      );
    });
  }

  async findInvitation(tokenHash: string): Promise<InvitationRecord | undefined> {
    const row = await this.#one<InvitationRow>(
      `SELECT ${INVITATION_COLUMNS} FROM account_invitations WHERE token_hash = $1`,
      [tokenHash],
    );
    return row && toInvitation(row);
  }

  async setInvitationTotpSecret(tokenHash: string, totpSecret: string): Promise<string | undefined> {
    // COALESCE in the UPDATE: of two concurrent starts, the second keeps the first's secret.
    const row = await this.#one<{ totp_secret: string | null }>(
      `UPDATE account_invitations SET totp_secret = COALESCE(totp_secret, $2)
       WHERE token_hash = $1 RETURNING totp_secret`,
      [tokenHash, totpSecret],
    );
    return row?.totp_secret ?? undefined;
  }

  async completeEnrolment(
    tokenHash: string,
    account: NewAccount,
    at: number,
  ): Promise<AccountRecord | undefined> {
    this.#checkOpen();
    return this.#db.transaction(async (client) => {
      const used = await client.query(
        `UPDATE account_invitations SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1`,
        [at, tokenHash],
      );
      if (used.rowCount !== 1) {
        return undefined;
      }
      // Throws on a taken email, which rolls the use of the invitation back too.
      return this.#insertAccount(client, account);
    });
  }

  async prune(at: number, forgetFailuresAfterMs: number): Promise<void> {
    this.#checkOpen();
    await this.#db.transaction(async (client) => {
      await client.query('DELETE FROM account_sessions WHERE expires_at <= $1 OR idle_expires_at <= $1', [
        at,
      ]);
      await client.query('DELETE FROM account_login_challenges WHERE expires_at <= $1', [at]);
      // Used invitations go too: the account exists, the token is worthless.
      await client.query('DELETE FROM account_invitations WHERE expires_at <= $1', [at]);
      await client.query(
        `DELETE FROM account_login_failures
         WHERE (locked_until IS NULL OR locked_until <= $1) AND last_failure_at <= $2`,
        [at, at - forgetFailuresAfterMs],
      );
    });
  }

  /** Idempotent; the database belongs to the caller and stays open. */
  close(): void {
    this.#closed = true;
  }

  async #insertAccount(client: Queryable, account: NewAccount): Promise<AccountRecord> {
    const id = this.#random(16).toString('base64url');
    try {
      await client.query(
        `INSERT INTO accounts
           (id, email, display_name, role, password_hash, totp_secret, totp_last_step, created_at, disabled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)`,
        [
          id,
          account.email,
          account.displayName,
          account.role,
          account.passwordHash,
          account.totpSecret,
          account.usedTotpStep ?? null,
          account.createdAt,
        ],
      );
    } catch (error) {
      // The unique index decides, so two nodes creating one email at once get one account.
      if (
        isUniqueViolation(error) &&
        (error as { constraint?: string }).constraint === 'accounts_email_key'
      ) {
        throw AccountError.conflict('an account with this email exists');
      }
      throw error;
    }
    await insertRecoveryCodes(client, id, account.recoveryCodeHashes);
    return {
      id,
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      passwordHash: account.passwordHash,
      totpSecret: account.totpSecret,
      createdAt: account.createdAt,
      disabledAt: undefined,
    };
  }

  async #one<T extends object>(sql: string, params: Array<string | number | null>): Promise<T | undefined> {
    this.#checkOpen();
    const { rows } = await this.#db.query<T & Record<string, unknown>>(sql, params);
    return rows[0];
  }

  /** Number of rows changed. */
  async #exec(sql: string, params: Array<string | number | null>): Promise<number> {
    this.#checkOpen();
    return (await this.#db.query(sql, params)).rowCount ?? 0;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new Error('account store is closed');
    }
  }
}

async function insertRecoveryCodes(
  client: Queryable,
  accountId: string,
  hashes: readonly string[],
): Promise<void> {
  if (hashes.length === 0) {
    return;
  }
  await client.query(
    `INSERT INTO account_recovery_codes (account_id, code_hash, used_at)
     SELECT $1, code_hash, NULL FROM unnest($2::text[]) AS code_hash`,
    [accountId, [...hashes]],
  );
}

/** Ends every session and pending sign-in of the account. */
async function endSignIns(client: Queryable, accountId: string): Promise<void> {
  await client.query('DELETE FROM account_sessions WHERE account_id = $1', [accountId]);
  await client.query('DELETE FROM account_login_challenges WHERE account_id = $1', [accountId]);
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: accountRoleSchema.parse(row.role),
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? undefined,
  };
}

function toInvitation(row: InvitationRow): InvitationRecord {
  return {
    tokenHash: row.token_hash,
    email: row.email,
    displayName: row.display_name,
    role: accountRoleSchema.parse(row.role),
    invitedBy: row.invited_by ?? undefined,
    totpSecret: row.totp_secret ?? undefined,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at ?? undefined,
  };
}
