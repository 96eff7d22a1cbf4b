import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  accountRoleSchema,
  describeIssue,
  displayNameSchema,
  emailSchema,
  passwordSchema,
  type AccountInfo,
  type AccountRole,
  type SessionResponse,
} from '@confidentiel/protocol';
import {
  dummyVerify,
  hashSecret,
  PASSWORD_COST,
  verifySecret,
  type ScryptCost,
} from '../crypto/secretHash.ts';
import { BusyError } from '../crypto/BusyError.ts';
import type { HashGate } from '../crypto/HashGate.ts';
import { createHashGates } from '../crypto/hashGates.ts';
import { AccountError } from './AccountError.ts';
import type { AccountRecord, AccountStore, InvitationRecord, LockoutPolicy } from './AccountStore.ts';
import {
  hashToken,
  isRecoveryCode,
  newOpaqueToken,
  newRecoveryCodes,
  type RandomBytes,
} from './accountSecrets.ts';
import { Totp } from './totp.ts';

/** A login challenge (password right, one-time code pending) lives this long. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong one-time codes a challenge survives; then the password step starts again. */
export const MAX_WRONG_CODES = 5;
/** Consecutive failed sign-ins (password or code) that lock an email out… */
export const MAX_FAILED_SIGN_INS = 5;
/** …for this long. */
export const LOCKOUT_MS = 15 * 60_000;
/** A session unused this long ends. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** A session ends this long after sign-in, used or not. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** An enrolment link works this long, once. */
export const INVITATION_TTL_MS = 72 * 60 * 60_000;
/** Failure counters without a lockout are forgotten after a day. */
export const FORGET_FAILURES_AFTER_MS = 24 * 60 * 60_000;

const LOCKOUT: LockoutPolicy = { maxFailures: MAX_FAILED_SIGN_INS, lockoutMs: LOCKOUT_MS };

export interface AccountServiceOptions {
  store: AccountStore;
  logger: Logger;
  /** Milliseconds since the epoch (injected in tests). */
  now?: () => number;
  random?: RandomBytes;
  /** scrypt cost of new password hashes (PASSWORD_COST unless a test says otherwise). */
  passwordCost?: ScryptCost;
  /**
   * Every password hash goes through it (the service's HashGates.passwords,
   * shared process-wide); a gate of this service's own when absent.
   */
  hashGate?: HashGate;
}

/** A signed-in browser, as the request that carries its cookie sees it. */
export interface ActiveSession {
  sessionId: string;
  account: AccountInfo;
  csrfToken: string;
}

/** What an authenticator app needs, and the recovery codes shown once. */
export interface SecondFactorSetup {
  totpSecret: string;
  otpauthUri: string;
  recoveryCodes: string[];
}

export interface AccountSummary extends AccountInfo {
  createdAt: number;
  disabled: boolean;
}

/** An account's fields as created (the admin CLI checks them before asking a password). */
export const newAccountSchema = z.strictObject({
  email: emailSchema,
  displayName: displayNameSchema,
  role: accountRoleSchema,
  password: passwordSchema,
});

/**
 * The rules of organiser accounts: two-step sign-in (password, then TOTP or a
 * recovery code), lockouts, sessions, invitations and enrolment. HTTP-free,
 * so the routes and the admin CLI share it.
 */
export class AccountService {
  readonly #store: AccountStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #random: RandomBytes;
  readonly #cost: ScryptCost;
  readonly #hashGate: HashGate;
  readonly #totp: Totp;

  constructor(options: AccountServiceOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
    this.#cost = options.passwordCost ?? PASSWORD_COST;
    this.#hashGate = options.hashGate ?? createHashGates().passwords;
    this.#totp = new Totp({ now: this.#now });
  }

  /**
   * First sign-in step. Unknown email, wrong password and disabled account
   * fail alike, in about the same time (a dummy hash when there is no
   * account). Returns the challenge for the one-time code step. Refused
   * with `busy` (nothing checked, no failure counted) when password hashing
   * is at capacity, alike for every email.
   */
  async login(email: string, password: string): Promise<string> {
    await this.#refuseIfLocked(email);
    const account = await this.#store.findAccountByEmail(email);
    const passwordRight = await this.#hash(() =>
      account ? verifySecret(password, account.passwordHash) : dummyVerify(password, this.#cost),
    );
    if (!account || !passwordRight || account.disabledAt !== undefined) {
      await this.#recordFailure(email, account);
      throw AccountError.invalidCredentials();
    }
    const challenge = newOpaqueToken(this.#random);
    await this.#store.createChallenge({
      challengeHash: hashToken(challenge),
      accountId: account.id,
      expiresAt: this.#now() + CHALLENGE_TTL_MS,
      failures: 0,
    });
    return challenge;
  }

  /** Second sign-in step: a TOTP code or a recovery code. Starts a session. */
  async completeLogin(
    challenge: string,
    code: string,
  ): Promise<{ sessionId: string; session: SessionResponse }> {
    const challengeHash = hashToken(challenge);
    const pending = await this.#store.findChallenge(challengeHash);
    if (!pending || pending.expiresAt <= this.#now()) {
      throw AccountError.challengeExpired();
    }
    const account = await this.#store.findAccountById(pending.accountId);
    if (!account || account.disabledAt !== undefined) {
      await this.#store.deleteChallenge(challengeHash);
      throw AccountError.challengeExpired();
    }
    await this.#refuseIfLocked(account.email);
    const accepted = isRecoveryCode(code)
      ? await this.#store.useRecoveryCode(account.id, hashToken(code), this.#now())
      : await this.#acceptTotp(account.id, account.totpSecret, code);
    if (!accepted) {
      await this.#store.recordChallengeFailure(challengeHash, MAX_WRONG_CODES);
      await this.#recordFailure(account.email, account);
      throw AccountError.wrongCode();
    }
    // Single use: of two requests racing with right codes, one wins.
    if (!(await this.#store.deleteChallenge(challengeHash))) {
      throw AccountError.challengeExpired();
    }
    await this.#store.clearLoginFailures(account.email);
    const sessionId = newOpaqueToken(this.#random);
    const csrfToken = newOpaqueToken(this.#random);
    const now = this.#now();
    await this.#store.createSession({
      sessionHash: hashToken(sessionId),
      accountId: account.id,
      csrfToken,
      createdAt: now,
      expiresAt: now + SESSION_ABSOLUTE_MS,
      idleExpiresAt: now + SESSION_IDLE_MS,
    });
    this.#logger.info(
      { accountId: account.id, secondFactor: isRecoveryCode(code) ? 'recovery-code' : 'totp' },
      'account signed in',
    );
    const info = accountInfo(account);
    return { sessionId, session: await this.describeSession({ sessionId, account: info, csrfToken }) };
  }

  /** The live session with this id, if any (expired ones are deleted). Does not touch it. */
  async findSession(sessionId: string): Promise<ActiveSession | undefined> {
    const sessionHash = hashToken(sessionId);
    const session = await this.#store.findSession(sessionHash);
    if (!session) {
      return undefined;
    }
    const now = this.#now();
    if (session.expiresAt <= now || session.idleExpiresAt <= now) {
      await this.#store.deleteSession(sessionHash);
      return undefined;
    }
    const account = await this.#store.findAccountById(session.accountId);
    if (!account || account.disabledAt !== undefined) {
      await this.#store.deleteSession(sessionHash);
      return undefined;
    }
    return { sessionId, account: accountInfo(account), csrfToken: session.csrfToken };
  }

  /** Pushes the idle end back (never past the absolute end). */
  async touchSession(session: ActiveSession): Promise<void> {
    await this.#store.touchSession(hashToken(session.sessionId), this.#now() + SESSION_IDLE_MS);
  }

  async describeSession(session: ActiveSession): Promise<SessionResponse> {
    return {
      account: session.account,
      csrfToken: session.csrfToken,
      recoveryCodesLeft: await this.#store.countRecoveryCodesLeft(session.account.accountId),
    };
  }

  async logout(session: ActiveSession): Promise<void> {
    await this.#store.deleteSession(hashToken(session.sessionId));
    this.#logger.info({ accountId: session.account.accountId }, 'account signed out');
  }

  /**
   * An enrolment link for a new account (admins, or the admin CLI with
   * `invitedBy` undefined). A new invitation for the same email replaces a
   * pending one.
   */
  async invite(
    invitation: { email: string; displayName: string; role: AccountRole },
    invitedBy: string | undefined,
  ): Promise<{ token: string; expiresAt: number }> {
    if (await this.#store.findAccountByEmail(invitation.email)) {
      throw AccountError.conflict('an account with this email exists');
    }
    const token = newOpaqueToken(this.#random);
    const now = this.#now();
    const expiresAt = now + INVITATION_TTL_MS;
    await this.#store.createInvitation({
      tokenHash: hashToken(token),
      email: invitation.email,
      displayName: invitation.displayName,
      role: invitation.role,
      invitedBy,
      totpSecret: undefined,
      createdAt: now,
      expiresAt,
      usedAt: undefined,
    });
    this.#logger.info({ invitedBy, role: invitation.role }, 'account invitation created');
    return { token, expiresAt };
  }

  /** What the invitee's authenticator app needs; the same secret each time until enrolment ends. */
  async startEnrolment(
    token: string,
  ): Promise<{ email: string; displayName: string; totpSecret: string; otpauthUri: string }> {
    const tokenHash = hashToken(token);
    const invitation = await this.#usableInvitation(tokenHash);
    const totpSecret =
      invitation.totpSecret ??
      (await this.#store.setInvitationTotpSecret(tokenHash, this.#totp.newSecret(this.#random)));
    if (totpSecret === undefined) {
      // Deleted between the two reads (replaced by a newer invitation).
      throw AccountError.invitationInvalid();
    }
    return {
      email: invitation.email,
      displayName: invitation.displayName,
      totpSecret,
      otpauthUri: this.#totp.uri(totpSecret, invitation.email),
    };
  }

  /** Sets the password once the invitee proves the authenticator app works. */
  async completeEnrolment(
    token: string,
    password: string,
    code: string,
  ): Promise<{ accountId: string; recoveryCodes: string[] }> {
    const tokenHash = hashToken(token);
    const invitation = await this.#usableInvitation(tokenHash);
    if (invitation.totpSecret === undefined) {
      throw AccountError.conflict('enrolment not started: open the link first');
    }
    const step = this.#totp.match(invitation.totpSecret, code);
    if (step === undefined) {
      throw AccountError.wrongCode();
    }
    const recoveryCodes = newRecoveryCodes(this.#random);
    const passwordHash = await this.#hash(() => hashSecret(password, this.#cost));
    const account = await this.#store.completeEnrolment(
      tokenHash,
      {
        email: invitation.email,
        displayName: invitation.displayName,
        role: invitation.role,
        passwordHash,
        totpSecret: invitation.totpSecret,
        recoveryCodeHashes: recoveryCodes.map(hashToken),
        createdAt: this.#now(),
        // The enrolment code cannot sign in again.
        usedTotpStep: step,
      },
      this.#now(),
    );
    if (!account) {
      throw AccountError.invitationInvalid();
    }
    this.#logger.info({ accountId: account.id, role: account.role }, 'account enrolled');
    return { accountId: account.id, recoveryCodes };
  }

  /** An account made directly (admin CLI): the first administrator, or without email delivery. */
  async createAccount(input: {
    email: string;
    displayName: string;
    role: AccountRole;
    password: string;
  }): Promise<{ account: AccountInfo } & SecondFactorSetup> {
    const parsed = newAccountSchema.safeParse(input);
    if (!parsed.success) {
      throw new AccountError('invalid-payload', describeIssue(parsed.error));
    }
    const { email, displayName, role, password } = parsed.data;
    // Before the expensive hash; the store checks again atomically.
    if (await this.#store.findAccountByEmail(email)) {
      throw AccountError.conflict('an account with this email exists');
    }
    const totpSecret = this.#totp.newSecret(this.#random);
    const recoveryCodes = newRecoveryCodes(this.#random);
    const account = await this.#store.createAccount({
      email,
      displayName,
      role,
      passwordHash: await this.#hash(() => hashSecret(password, this.#cost)),
      totpSecret,
      recoveryCodeHashes: recoveryCodes.map(hashToken),
      createdAt: this.#now(),
    });
    this.#logger.info({ accountId: account.id, role }, 'account created');
    return {
      account: accountInfo(account),
      totpSecret,
      otpauthUri: this.#totp.uri(totpSecret, email),
      recoveryCodes,
    };
  }

  async listAccounts(): Promise<AccountSummary[]> {
    return (await this.#store.listAccounts()).map((account) => ({
      ...accountInfo(account),
      createdAt: account.createdAt,
      disabled: account.disabledAt !== undefined,
    }));
  }

  /** Disabling ends the account's sessions at once. */
  async setDisabled(email: string, disabled: boolean): Promise<AccountInfo> {
    const account = await this.#accountByEmail(email);
    await this.#store.setDisabled(account.id, disabled ? this.#now() : undefined);
    this.#logger.info({ accountId: account.id, disabled }, 'account disabled flag set');
    return accountInfo(account);
  }

  /** A lost phone: new TOTP secret and recovery codes; sessions end. */
  async resetSecondFactor(email: string): Promise<{ account: AccountInfo } & SecondFactorSetup> {
    const account = await this.#accountByEmail(email);
    const totpSecret = this.#totp.newSecret(this.#random);
    const recoveryCodes = newRecoveryCodes(this.#random);
    await this.#store.replaceSecondFactor(account.id, totpSecret, recoveryCodes.map(hashToken));
    this.#logger.info({ accountId: account.id }, 'account second factor reset');
    return {
      account: accountInfo(account),
      totpSecret,
      otpauthUri: this.#totp.uri(totpSecret, account.email),
      recoveryCodes,
    };
  }

  prune(): Promise<void> {
    return this.#store.prune(this.#now(), FORGET_FAILURES_AFTER_MS);
  }

  /** A password hash through the gate; no capacity is a `busy` refusal. */
  async #hash<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.#hashGate.run(task);
    } catch (error) {
      if (error instanceof BusyError) {
        this.#logger.warn({ busyCause: error.busyCause }, 'password hashing at capacity: request refused');
        throw AccountError.busy(error.retryAfterMs, error);
      }
      throw error;
    }
  }

  async #refuseIfLocked(email: string): Promise<void> {
    const now = this.#now();
    const lockedUntil = await this.#store.lockedUntil(email, now);
    if (lockedUntil !== undefined) {
      throw AccountError.lockedOut(lockedUntil - now);
    }
  }

  async #recordFailure(email: string, account: AccountRecord | undefined): Promise<void> {
    const lockedUntil = await this.#store.recordLoginFailure(email, this.#now(), LOCKOUT);
    if (lockedUntil !== undefined) {
      // Never the email: an unknown one is someone else's data, a known one has its id.
      this.#logger.warn({ accountId: account?.id, lockedUntil }, 'sign-in locked after repeated failures');
    }
  }

  async #acceptTotp(accountId: string, secret: string, code: string): Promise<boolean> {
    const step = this.#totp.match(secret, code);
    return step !== undefined && (await this.#store.useTotpStep(accountId, step));
  }

  async #usableInvitation(tokenHash: string): Promise<InvitationRecord> {
    const invitation = await this.#store.findInvitation(tokenHash);
    if (!invitation || invitation.usedAt !== undefined || invitation.expiresAt <= this.#now()) {
      throw AccountError.invitationInvalid();
    }
    if (await this.#store.findAccountByEmail(invitation.email)) {
      throw AccountError.conflict('an account with this email exists');
    }
    return invitation;
  }

  async #accountByEmail(email: string): Promise<AccountRecord> {
    const parsed = emailSchema.safeParse(email);
    const account = parsed.success ? await this.#store.findAccountByEmail(parsed.data) : undefined;
    if (!account) {
      throw AccountError.noSuchAccount();
    }
    return account;
  }
}

function accountInfo(account: AccountRecord): AccountInfo {
  return {
    accountId: account.id,
    email: account.email,
    displayName: account.displayName,
    role: account.role,
  };
}
