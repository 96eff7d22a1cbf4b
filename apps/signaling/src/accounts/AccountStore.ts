import type { AccountRole } from '@confidentiel/protocol';

/**
 * Where organiser accounts and their secrets live. The store keeps data and
 * does the few checks that must be atomic (single use, counters); the rules
 * (lifetimes, limits) belong to AccountService, which passes instants and
 * policies in. Asynchronous so a server database can replace SQLite.
 *
 * Secrets that only need to be recognised (session ids, login challenges,
 * enrolment tokens, recovery codes) are stored as SHA-256 hashes: a copy of
 * the database does not let anyone sign in.
 */
export interface AccountStore {
  /** Throws AccountError `conflict` when the email is taken. */
  createAccount(account: NewAccount): Promise<AccountRecord>;
  findAccountById(accountId: string): Promise<AccountRecord | undefined>;
  /** `email` is already normalised (trimmed, lowercase). */
  findAccountByEmail(email: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;
  /** Disables (`at`) or enables (`undefined`); disabling ends the account's sessions and challenges. */
  setDisabled(accountId: string, at: number | undefined): Promise<void>;
  /**
   * A new TOTP secret and a new set of recovery codes (the old ones stop
   * working); ends the account's sessions and challenges.
   */
  replaceSecondFactor(
    accountId: string,
    totpSecret: string,
    recoveryCodeHashes: readonly string[],
  ): Promise<void>;

  /**
   * Records that the TOTP time step `step` was used; false when it or a later
   * step was used already (a replayed code).
   */
  useTotpStep(accountId: string, step: number): Promise<boolean>;
  /** Marks the recovery code used; false when it is unknown or used already. */
  useRecoveryCode(accountId: string, codeHash: string, at: number): Promise<boolean>;
  countRecoveryCodesLeft(accountId: string): Promise<number>;

  /** When the email's lockout ends, if it is locked at `at`. */
  lockedUntil(email: string, at: number): Promise<number | undefined>;
  /**
   * Counts one failed sign-in for the email (known or not, so that a lockout
   * says nothing about whether an account exists). Returns the end of the
   * lockout when this failure started one.
   */
  recordLoginFailure(email: string, at: number, policy: LockoutPolicy): Promise<number | undefined>;
  clearLoginFailures(email: string): Promise<void>;

  createChallenge(challenge: LoginChallengeRecord): Promise<void>;
  findChallenge(challengeHash: string): Promise<LoginChallengeRecord | undefined>;
  /** Counts a wrong code; the challenge is deleted when it reaches `maxFailures`. */
  recordChallengeFailure(challengeHash: string, maxFailures: number): Promise<void>;
  /** False when it was gone already (used by a concurrent request). */
  deleteChallenge(challengeHash: string): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  findSession(sessionHash: string): Promise<SessionRecord | undefined>;
  touchSession(sessionHash: string, idleExpiresAt: number): Promise<void>;
  deleteSession(sessionHash: string): Promise<void>;

  /** Replaces the email's pending (unused) invitations, if any. */
  createInvitation(invitation: InvitationRecord): Promise<void>;
  findInvitation(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** Sets the secret unless one is set already; returns the invitation's secret either way. */
  setInvitationTotpSecret(tokenHash: string, totpSecret: string): Promise<string | undefined>;
  /**
   * Uses the invitation (unused and unexpired at `at`) and creates its
   * account, atomically. `undefined` when the invitation is no longer usable;
   * throws AccountError `conflict` when the email is taken.
   */
  completeEnrolment(tokenHash: string, account: NewAccount, at: number): Promise<AccountRecord | undefined>;

  /** Forgets expired sessions, challenges, invitations and stale failure counters. */
  prune(at: number, forgetFailuresAfterMs: number): Promise<void>;
  close(): void;
}

export interface AccountRecord {
  /** 128 random bits, base64url. */
  id: string;
  /** Trimmed, lowercase. */
  email: string;
  displayName: string;
  role: AccountRole;
  /** `scrypt$…` (see crypto/secretHash.ts). */
  passwordHash: string;
  /** Base32. */
  totpSecret: string;
  createdAt: number;
  disabledAt: number | undefined;
}

export interface NewAccount {
  email: string;
  displayName: string;
  role: AccountRole;
  passwordHash: string;
  totpSecret: string;
  recoveryCodeHashes: readonly string[];
  createdAt: number;
  /** The TOTP step already used (the code typed at enrolment), if any. */
  usedTotpStep?: number;
}

export interface LockoutPolicy {
  /** Consecutive failures that lock. */
  maxFailures: number;
  lockoutMs: number;
}

export interface LoginChallengeRecord {
  challengeHash: string;
  accountId: string;
  expiresAt: number;
  failures: number;
}

export interface SessionRecord {
  sessionHash: string;
  accountId: string;
  /** Not a credential on its own (useless without the cookie): kept as is to hand it back. */
  csrfToken: string;
  createdAt: number;
  /** Absolute end. */
  expiresAt: number;
  /** End unless used again before; never after `expiresAt`. */
  idleExpiresAt: number;
}

export interface InvitationRecord {
  tokenHash: string;
  email: string;
  displayName: string;
  role: AccountRole;
  /** The admin who invited; undefined when made with the admin CLI. */
  invitedBy: string | undefined;
  /** Made when the invitee opens the link (enrolment start). */
  totpSecret: string | undefined;
  createdAt: number;
  expiresAt: number;
  usedAt: number | undefined;
}
