import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolmentStartResponseSchema } from '@confidentiel/protocol';
import { AccountError } from '../../src/accounts/AccountError.ts';
import type { NewAccount } from '../../src/accounts/AccountStore.ts';
import {
  ACCOUNT_MIGRATIONS,
  ACCOUNTS_FEATURE,
  SqliteAccountStore,
} from '../../src/accounts/SqliteAccountStore.ts';
import { Database } from '../../src/storage/Database.ts';
import { ACCOUNT_TABLES, FakeClock, startAccountsHarness, totpCode } from './support.ts';

function newAccount(email: string, overrides: Partial<NewAccount> = {}): NewAccount {
  return {
    email,
    displayName: 'Ada',
    role: 'organiser',
    passwordHash: 'scrypt$10$8$1$c2FsdA$aGFzaA',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    recoveryCodeHashes: ['h1', 'h2'],
    createdAt: 1,
    ...overrides,
  };
}

describe('SqliteAccountStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accounts-store-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies its migrations once; reopening a file database keeps the accounts', async () => {
    const path = join(dir, 'nested', 'signaling.sqlite');
    const first = new Database(path);
    const store = new SqliteAccountStore(first);
    const ada = await store.createAccount(newAccount('ada@example.org'));
    first.close();

    const again = new Database(path);
    try {
      const reopened = new SqliteAccountStore(again);
      // A second store on the same database does not migrate again either.
      new SqliteAccountStore(again);
      const rows = again.sqlite
        .prepare('SELECT version FROM schema_migrations WHERE feature = ? ORDER BY version')
        .all(ACCOUNTS_FEATURE);
      expect(rows).toEqual(ACCOUNT_MIGRATIONS.map((_, i) => ({ version: i + 1 })));
      expect(await reopened.findAccountByEmail('ada@example.org')).toEqual(ada);
      expect(await reopened.countRecoveryCodesLeft(ada.id)).toBe(2);
      const tables = again.sqlite
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'account%'")
        .all() as Array<{ name: string; sql: string }>;
      expect(tables.map((t) => t.name).sort()).toEqual([...ACCOUNT_TABLES].sort());
      for (const table of tables) {
        expect(table.sql, table.name).toMatch(/\)\s*STRICT$/);
      }
    } finally {
      again.close();
    }
  });

  it('makes 128-bit base64url account ids and refuses a second account with the same email', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteAccountStore(db);
      const ada = await store.createAccount(newAccount('ada@example.org'));
      expect(ada.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      await expect(store.createAccount(newAccount('ada@example.org'))).rejects.toThrow(AccountError);
      await expect(store.createAccount(newAccount('ada@example.org'))).rejects.toMatchObject({
        reason: 'conflict',
      });
      expect((await store.listAccounts()).map((a) => a.email)).toEqual(['ada@example.org']);
    } finally {
      db.close();
    }
  });

  it('remembers the last TOTP step: the same or an older step is refused', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteAccountStore(db);
      const ada = await store.createAccount(newAccount('ada@example.org', { usedTotpStep: 100 }));
      expect(await store.useTotpStep(ada.id, 100)).toBe(false);
      expect(await store.useTotpStep(ada.id, 99)).toBe(false);
      expect(await store.useTotpStep(ada.id, 101)).toBe(true);
      expect(await store.useTotpStep(ada.id, 101)).toBe(false);
      // A new second factor starts afresh.
      await store.replaceSecondFactor(ada.id, 'KRSXG5CTMVRXEZLU', ['h3']);
      expect(await store.useTotpStep(ada.id, 50)).toBe(true);
      expect(await store.useRecoveryCode(ada.id, 'h1', 1)).toBe(false);
      expect(await store.useRecoveryCode(ada.id, 'h3', 1)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('locks an email at the maximum of failures and does not count failures while locked', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteAccountStore(db);
      const policy = { maxFailures: 3, lockoutMs: 1000 };
      expect(await store.recordLoginFailure('x@example.org', 10, policy)).toBeUndefined();
      expect(await store.recordLoginFailure('x@example.org', 11, policy)).toBeUndefined();
      expect(await store.recordLoginFailure('x@example.org', 12, policy)).toBe(1012);
      expect(await store.lockedUntil('x@example.org', 500)).toBe(1012);
      expect(await store.recordLoginFailure('x@example.org', 600, policy)).toBeUndefined();
      expect(await store.lockedUntil('x@example.org', 1012)).toBeUndefined();
      // After the lockout the count starts at zero: two more failures do not lock.
      expect(await store.recordLoginFailure('x@example.org', 1100, policy)).toBeUndefined();
      expect(await store.recordLoginFailure('x@example.org', 1101, policy)).toBeUndefined();
      expect(await store.lockedUntil('x@example.org', 1102)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('uses an invitation once, and rolls the use back when its email is taken', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteAccountStore(db);
      await store.createInvitation({
        tokenHash: 'th',
        email: 'bob@example.org',
        displayName: 'Bob',
        role: 'organiser',
        invitedBy: undefined,
        totpSecret: 'JBSWY3DPEHPK3PXP',
        createdAt: 1,
        expiresAt: 1000,
        usedAt: undefined,
      });
      await store.createAccount(newAccount('bob@example.org'));
      await expect(store.completeEnrolment('th', newAccount('bob@example.org'), 10)).rejects.toMatchObject({
        reason: 'conflict',
      });
      expect((await store.findInvitation('th'))?.usedAt).toBeUndefined();
      // Expired at 1000.
      expect(await store.completeEnrolment('th', newAccount('bob2@example.org'), 1000)).toBeUndefined();
      // Single use, even for a caller that checked before another used it.
      expect(await store.completeEnrolment('th', newAccount('bob2@example.org'), 20)).toMatchObject({
        email: 'bob2@example.org',
      });
      expect(await store.completeEnrolment('th', newAccount('bob3@example.org'), 21)).toBeUndefined();
      expect((await store.findInvitation('th'))?.usedAt).toBe(20);
      expect(await store.findAccountByEmail('bob3@example.org')).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('prunes expired sessions, challenges, invitations and old failure counters, and nothing else', async () => {
    const db = new Database(':memory:');
    try {
      const store = new SqliteAccountStore(db);
      const ada = await store.createAccount(newAccount('ada@example.org'));
      const session = { accountId: ada.id, csrfToken: 'c', createdAt: 0 };
      await store.createSession({ ...session, sessionHash: 'old', expiresAt: 100, idleExpiresAt: 50 });
      await store.createSession({ ...session, sessionHash: 'live', expiresAt: 1000, idleExpiresAt: 500 });
      await store.createChallenge({ challengeHash: 'c-old', accountId: ada.id, expiresAt: 99, failures: 0 });
      await store.createChallenge({
        challengeHash: 'c-live',
        accountId: ada.id,
        expiresAt: 101,
        failures: 0,
      });
      await store.recordLoginFailure('old@example.org', 0, { maxFailures: 5, lockoutMs: 10 });
      await store.recordLoginFailure('new@example.org', 90, { maxFailures: 5, lockoutMs: 10 });
      await store.prune(100, 50);
      expect(await store.findSession('old')).toBeUndefined();
      expect(await store.findSession('live')).toBeDefined();
      expect(await store.findChallenge('c-old')).toBeUndefined();
      expect(await store.findChallenge('c-live')).toBeDefined();
      const emails = db.sqlite.prepare('SELECT email FROM account_login_failures').all();
      expect(emails).toEqual([{ email: 'new@example.org' }]);
    } finally {
      db.close();
    }
  });

  it('stores no session id, challenge, enrolment token, CSRF-free secret or recovery code in clear', async () => {
    const clock = new FakeClock();
    const h = await startAccountsHarness({ now: clock });
    try {
      const ada = await h.createAccount('ada@example.org', 'admin');
      const challenge = await h.login(ada.email);
      const signedIn = await h.signIn(ada);
      const invite = await h.post(
        '/api/admin/account-invitations',
        { email: 'bob@example.org', displayName: 'Bob' },
        { cookie: signedIn.cookie, csrf: signedIn.csrfToken },
      );
      const token = ((await invite.json()) as { enrolPath: string }).enrolPath.split('#t=')[1]!;
      const setup = enrolmentStartResponseSchema.parse(
        await (await h.post('/api/enrolment/start', { token })).json(),
      );
      expect(setup.totpSecret).toMatch(/^[A-Z2-7]+$/);
      const dump = JSON.stringify(
        ACCOUNT_TABLES.map((table) => h.db.sqlite.prepare(`SELECT * FROM ${table}`).all()),
      );
      for (const secret of [challenge, signedIn.cookie.split('=')[1]!, token, ...ada.recoveryCodes]) {
        expect(dump).not.toContain(secret);
      }
      expect(dump).not.toContain('correct horse');
      // The TOTP secret must be stored as is (it is needed to check codes); it is the only one.
      expect(dump).toContain(ada.totpSecret);
      expect(totpCode(ada.totpSecret, clock.now())).toMatch(/^\d{6}$/);
    } finally {
      await h.close();
    }
  });
});
