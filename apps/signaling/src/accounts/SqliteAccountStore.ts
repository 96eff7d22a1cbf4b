import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { accountRoleSchema } from '@confidentiel/protocol';
import type { Database } from '../storage/Database.ts';
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

/** Feature name of these tables in `schema_migrations`. */
export const ACCOUNTS_FEATURE = 'accounts';

/** Append only: never edit a released migration. */
export const ACCOUNT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'organiser')),
    password_hash TEXT NOT NULL,
    totp_secret TEXT NOT NULL,
    totp_last_step INTEGER,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
  ) STRICT;
  CREATE TABLE account_recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (account_id, code_hash)
  ) STRICT;
  CREATE TABLE account_login_failures (
    email TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until INTEGER
  ) STRICT;
  CREATE TABLE account_login_challenges (
    challenge_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    failures INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE account_sessions (
    session_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
  CREATE TABLE account_invitations (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'organiser')),
    invited_by TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    totp_secret TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  ) STRICT;
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

export interface SqliteAccountStoreOptions {
  /** Random bytes for account ids (injected in tests). */
  random?: (size: number) => Buffer;
}

/** AccountStore on the signaling SQLite database (tables owned by feature `accounts`). */
export class SqliteAccountStore implements AccountStore {
  readonly #db: Database;
  readonly #random: (size: number) => Buffer;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;

  constructor(db: Database, options: SqliteAccountStoreOptions = {}) {
    this.#db = db;
    this.#random = options.random ?? randomBytes;
    db.migrate(ACCOUNTS_FEATURE, ACCOUNT_MIGRATIONS);
  }

  get closed(): boolean {
    return this.#closed;
  }

  createAccount(account: NewAccount): Promise<AccountRecord> {
    return this.#run(() => this.#db.transaction(() => this.#insertAccount(account)));
  }

  findAccountById(accountId: string): Promise<AccountRecord | undefined> {
    return this.#run(() => {
      const row = this.#get<AccountRow>('SELECT * FROM accounts WHERE id = ?', accountId);
      return row && toAccount(row);
    });
  }

  findAccountByEmail(email: string): Promise<AccountRecord | undefined> {
    return this.#run(() => {
      const row = this.#get<AccountRow>('SELECT * FROM accounts WHERE email = ?', email);
      return row && toAccount(row);
    });
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.#run(() =>
      this.#all<AccountRow>('SELECT * FROM accounts ORDER BY created_at, email').map(toAccount),
    );
  }

  setDisabled(accountId: string, at: number | undefined): Promise<void> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec('UPDATE accounts SET disabled_at = ? WHERE id = ?', at ?? null, accountId);
        if (at !== undefined) {
          this.#endSignIns(accountId);
        }
      }),
    );
  }

  replaceSecondFactor(
    accountId: string,
    totpSecret: string,
    recoveryCodeHashes: readonly string[],
  ): Promise<void> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec(
          'UPDATE accounts SET totp_secret = ?, totp_last_step = NULL WHERE id = ?',
          totpSecret,
          accountId,
        );
        this.#exec('DELETE FROM account_recovery_codes WHERE account_id = ?', accountId);
        this.#insertRecoveryCodes(accountId, recoveryCodeHashes);
        this.#endSignIns(accountId);
      }),
    );
  }

  useTotpStep(accountId: string, step: number): Promise<boolean> {
    return this.#run(
      () =>
        this.#exec(
          `UPDATE accounts SET totp_last_step = ?
           WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`,
          step,
          accountId,
          step,
        ) === 1,
    );
  }

  useRecoveryCode(accountId: string, codeHash: string, at: number): Promise<boolean> {
    return this.#run(
      () =>
        this.#exec(
          `UPDATE account_recovery_codes SET used_at = ?
           WHERE account_id = ? AND code_hash = ? AND used_at IS NULL`,
          at,
          accountId,
          codeHash,
        ) === 1,
    );
  }

  countRecoveryCodesLeft(accountId: string): Promise<number> {
    return this.#run(
      () =>
        this.#get<{ n: number }>(
          'SELECT COUNT(*) AS n FROM account_recovery_codes WHERE account_id = ? AND used_at IS NULL',
          accountId,
        )?.n ?? 0,
    );
  }

  lockedUntil(email: string, at: number): Promise<number | undefined> {
    return this.#run(() => {
      const row = this.#get<{ locked_until: number | null }>(
        'SELECT locked_until FROM account_login_failures WHERE email = ?',
        email,
      );
      const until = row?.locked_until ?? undefined;
      return until !== undefined && until > at ? until : undefined;
    });
  }

  recordLoginFailure(email: string, at: number, policy: LockoutPolicy): Promise<number | undefined> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const row = this.#get<{ failures: number; locked_until: number | null }>(
          'SELECT failures, locked_until FROM account_login_failures WHERE email = ?',
          email,
        );
        if (row && row.locked_until !== null && row.locked_until > at) {
          // Already locked: failures while locked neither count nor extend it.
          return undefined;
        }
        const failures = (row?.failures ?? 0) + 1;
        const locks = failures >= policy.maxFailures;
        const lockedUntil = locks ? at + policy.lockoutMs : null;
        this.#exec(
          `INSERT INTO account_login_failures (email, failures, last_failure_at, locked_until)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (email) DO UPDATE SET
             failures = excluded.failures,
             last_failure_at = excluded.last_failure_at,
             locked_until = excluded.locked_until`,
          email,
          locks ? 0 : failures,
          at,
          lockedUntil,
        );
        return lockedUntil ?? undefined;
      }),
    );
  }

  clearLoginFailures(email: string): Promise<void> {
    return this.#run(() => {
      this.#exec('DELETE FROM account_login_failures WHERE email = ?', email);
    });
  }

  createChallenge(challenge: LoginChallengeRecord): Promise<void> {
    return this.#run(() => {
      this.#exec(
        `INSERT INTO account_login_challenges (challenge_hash, account_id, expires_at, failures)
         VALUES (?, ?, ?, ?)`,
        challenge.challengeHash,
        challenge.accountId,
        challenge.expiresAt,
        challenge.failures,
      );
    });
  }

  findChallenge(challengeHash: string): Promise<LoginChallengeRecord | undefined> {
    return this.#run(() => {
      const row = this.#get<{ account_id: string; expires_at: number; failures: number }>(
        'SELECT account_id, expires_at, failures FROM account_login_challenges WHERE challenge_hash = ?',
        challengeHash,
      );
      return (
        row && {
          challengeHash,
          accountId: row.account_id,
          expiresAt: row.expires_at,
          failures: row.failures,
        }
      );
    });
  }

  recordChallengeFailure(challengeHash: string, maxFailures: number): Promise<void> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec(
          'UPDATE account_login_challenges SET failures = failures + 1 WHERE challenge_hash = ?',
          challengeHash,
        );
        this.#exec(
          'DELETE FROM account_login_challenges WHERE challenge_hash = ? AND failures >= ?',
          challengeHash,
          maxFailures,
        );
      }),
    );
  }

  deleteChallenge(challengeHash: string): Promise<boolean> {
    return this.#run(
      () => this.#exec('DELETE FROM account_login_challenges WHERE challenge_hash = ?', challengeHash) === 1,
    );
  }

  createSession(session: SessionRecord): Promise<void> {
    return this.#run(() => {
      this.#exec(
        `INSERT INTO account_sessions
           (session_hash, account_id, csrf_token, created_at, expires_at, idle_expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        session.sessionHash,
        session.accountId,
        session.csrfToken,
        session.createdAt,
        session.expiresAt,
        session.idleExpiresAt,
      );
    });
  }

  findSession(sessionHash: string): Promise<SessionRecord | undefined> {
    return this.#run(() => {
      const row = this.#get<{
        account_id: string;
        csrf_token: string;
        created_at: number;
        expires_at: number;
        idle_expires_at: number;
      }>('SELECT * FROM account_sessions WHERE session_hash = ?', sessionHash);
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
    });
  }

  touchSession(sessionHash: string, idleExpiresAt: number): Promise<void> {
    return this.#run(() => {
      this.#exec(
        'UPDATE account_sessions SET idle_expires_at = MIN(?, expires_at) WHERE session_hash = ?',
        idleExpiresAt,
        sessionHash,
      );
    });
  }

  deleteSession(sessionHash: string): Promise<void> {
    return this.#run(() => {
      this.#exec('DELETE FROM account_sessions WHERE session_hash = ?', sessionHash);
    });
  }

  createInvitation(invitation: InvitationRecord): Promise<void> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec('DELETE FROM account_invitations WHERE email = ? AND used_at IS NULL', invitation.email);
        this.#exec(
          `INSERT INTO account_invitations
             (token_hash, email, display_name, role, invited_by, totp_secret, created_at, expires_at, used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          invitation.tokenHash,
          invitation.email,
          invitation.displayName,
          invitation.role,
          invitation.invitedBy ?? null,
          invitation.totpSecret ?? null,
          invitation.createdAt,
          invitation.expiresAt,
          invitation.usedAt ?? null,
        );
      }),
    );
  }

  findInvitation(tokenHash: string): Promise<InvitationRecord | undefined> {
    return this.#run(() => {
      const row = this.#get<InvitationRow>(
        'SELECT * FROM account_invitations WHERE token_hash = ?',
        tokenHash,
      );
      return row && toInvitation(row);
    });
  }

  setInvitationTotpSecret(tokenHash: string, totpSecret: string): Promise<string | undefined> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec(
          'UPDATE account_invitations SET totp_secret = ? WHERE token_hash = ? AND totp_secret IS NULL',
          totpSecret,
          tokenHash,
        );
        return (
          this.#get<{ totp_secret: string | null }>(
            'SELECT totp_secret FROM account_invitations WHERE token_hash = ?',
            tokenHash,
          )?.totp_secret ?? undefined
        );
      }),
    );
  }

  completeEnrolment(tokenHash: string, account: NewAccount, at: number): Promise<AccountRecord | undefined> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const used = this.#exec(
          `UPDATE account_invitations SET used_at = ?
           WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
          at,
          tokenHash,
          at,
        );
        if (used !== 1) {
          return undefined;
        }
        // Throws on a taken email, which rolls the use of the invitation back too.
        return this.#insertAccount(account);
      }),
    );
  }

  prune(at: number, forgetFailuresAfterMs: number): Promise<void> {
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#exec('DELETE FROM account_sessions WHERE expires_at <= ? OR idle_expires_at <= ?', at, at);
        this.#exec('DELETE FROM account_login_challenges WHERE expires_at <= ?', at);
        // Used invitations go too: the account exists, the token is worthless.
        this.#exec('DELETE FROM account_invitations WHERE expires_at <= ?', at);
        this.#exec(
          `DELETE FROM account_login_failures
           WHERE (locked_until IS NULL OR locked_until <= ?) AND last_failure_at <= ?`,
          at,
          at - forgetFailuresAfterMs,
        );
      }),
    );
  }

  /** Idempotent; the database belongs to the caller and stays open. */
  close(): void {
    this.#closed = true;
    this.#statements.clear();
  }

  #insertAccount(account: NewAccount): AccountRecord {
    if (this.#get('SELECT 1 AS found FROM accounts WHERE email = ?', account.email)) {
      throw AccountError.conflict('an account with this email exists');
    }
    const id = this.#random(16).toString('base64url');
    this.#exec(
      `INSERT INTO accounts
         (id, email, display_name, role, password_hash, totp_secret, totp_last_step, created_at, disabled_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      id,
      account.email,
      account.displayName,
      account.role,
      account.passwordHash,
      account.totpSecret,
      account.usedTotpStep ?? null,
      account.createdAt,
    );
    this.#insertRecoveryCodes(id, account.recoveryCodeHashes);
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

  #insertRecoveryCodes(accountId: string, hashes: readonly string[]): void {
    for (const hash of hashes) {
      this.#exec(
        'INSERT INTO account_recovery_codes (account_id, code_hash, used_at) VALUES (?, ?, NULL)',
        accountId,
        hash,
      );
    }
  }

  /** Ends every session and pending sign-in of the account. */
  #endSignIns(accountId: string): void {
    this.#exec('DELETE FROM account_sessions WHERE account_id = ?', accountId);
    this.#exec('DELETE FROM account_login_challenges WHERE account_id = ?', accountId);
  }

  /** Runs synchronous SQLite work as the interface's promise (a throw becomes a rejection). */
  #run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (this.#closed) {
        throw new Error('account store is closed');
      }
      resolve(work());
    });
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.sqlite.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get<T>(sql: string, ...params: Array<string | number | null>): T | undefined {
    return this.#statement(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: Array<string | number | null>): T[] {
    return this.#statement(sql).all(...params) as T[];
  }

  /** Number of rows changed. */
  #exec(sql: string, ...params: Array<string | number | null>): number {
    return Number(this.#statement(sql).run(...params).changes);
  }
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
