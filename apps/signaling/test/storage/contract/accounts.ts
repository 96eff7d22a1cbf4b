import { expect, it } from 'vitest';
import { AccountError } from '../../../src/accounts/AccountError.ts';
import type { AccountStore, InvitationRecord, NewAccount } from '../../../src/accounts/AccountStore.ts';
import type { StoreEngine } from '../../support/storeEngines.ts';

export function newAccount(email: string, overrides: Partial<NewAccount> = {}): NewAccount {
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

function invitation(overrides: Partial<InvitationRecord> = {}): InvitationRecord {
  return {
    tokenHash: 'th',
    email: 'bob@example.org',
    displayName: 'Bob',
    role: 'organiser',
    invitedBy: undefined,
    totpSecret: undefined,
    createdAt: 1,
    expiresAt: 1000,
    usedAt: undefined,
    ...overrides,
  };
}

/** `count` copies of `work` started at once. */
function together<T>(
  count: number,
  work: (i: number) => Promise<T>,
): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(Array.from({ length: count }, (_, i) => work(i)));
}

/** The AccountStore part of the store contract. */
export function accountContract(engine: StoreEngine): void {
  const open = async (): Promise<AccountStore> => (await (await engine.newDatabase()).open()).accounts;

  it('makes 128-bit base64url account ids and refuses a second account with the same email', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    expect(ada.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ada).toMatchObject({ email: 'ada@example.org', role: 'organiser', disabledAt: undefined });
    await expect(store.createAccount(newAccount('ada@example.org'))).rejects.toThrow(AccountError);
    await expect(store.createAccount(newAccount('ada@example.org'))).rejects.toMatchObject({
      reason: 'conflict',
    });
    expect(await store.findAccountById(ada.id)).toEqual(ada);
    expect(await store.findAccountByEmail('ada@example.org')).toEqual(ada);
    expect(await store.findAccountById('AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(await store.findAccountByEmail('nobody@example.org')).toBeUndefined();
  });

  it('creates one account of many concurrent creations with one email; the others get conflict', async () => {
    const store = await open();
    const results = await together(10, (i) =>
      store.createAccount(newAccount('race@example.org', { displayName: `Racer ${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r) => r.status === 'rejected')) {
      expect(result.reason).toMatchObject({ reason: 'conflict' });
    }
    expect(await store.listAccounts()).toHaveLength(1);
  });

  it('lists accounts by creation time, then email', async () => {
    const store = await open();
    await store.createAccount(newAccount('b@example.org', { createdAt: 2 }));
    await store.createAccount(newAccount('c@example.org', { createdAt: 1 }));
    await store.createAccount(newAccount('a@example.org', { createdAt: 2 }));
    await store.createAccount(newAccount('B@example.org', { createdAt: 2 }));
    expect((await store.listAccounts()).map((a) => a.email)).toEqual([
      'c@example.org',
      'B@example.org',
      'a@example.org',
      'b@example.org',
    ]);
  });

  it('remembers the last TOTP step: the same or an older step is refused', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org', { usedTotpStep: 100 }));
    expect(await store.useTotpStep(ada.id, 100)).toBe(false);
    expect(await store.useTotpStep(ada.id, 99)).toBe(false);
    expect(await store.useTotpStep(ada.id, 101)).toBe(true);
    expect(await store.useTotpStep(ada.id, 101)).toBe(false);
    // A new second factor starts afresh and voids the old recovery codes.
    await store.replaceSecondFactor(ada.id, 'KRSXG5CTMVRXEZLU', ['h3']);
    expect((await store.findAccountById(ada.id))?.totpSecret).toBe('KRSXG5CTMVRXEZLU');
    expect(await store.useTotpStep(ada.id, 50)).toBe(true);
    expect(await store.useRecoveryCode(ada.id, 'h1', 1)).toBe(false);
    expect(await store.useRecoveryCode(ada.id, 'h3', 1)).toBe(true);
  });

  it('accepts a TOTP step once of many concurrent uses (the replay guard holds under a race)', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    const results = await together(20, () => store.useTotpStep(ada.id, 1_000));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
  });

  it('uses each recovery code once, even concurrently, and counts those left', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    expect(await store.countRecoveryCodesLeft(ada.id)).toBe(2);
    const results = await together(10, () => store.useRecoveryCode(ada.id, 'h1', 5));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
    expect(await store.useRecoveryCode(ada.id, 'unknown', 5)).toBe(false);
    expect(await store.countRecoveryCodesLeft(ada.id)).toBe(1);
    expect(await store.countRecoveryCodesLeft('AAAAAAAAAAAAAAAAAAAAAA')).toBe(0);
  });

  it('locks an email at the maximum of failures and does not count failures while locked', async () => {
    const store = await open();
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
    await store.clearLoginFailures('x@example.org');
    expect(await store.recordLoginFailure('x@example.org', 1103, policy)).toBeUndefined();
    expect(await store.recordLoginFailure('x@example.org', 1104, policy)).toBeUndefined();
    expect(await store.lockedUntil('x@example.org', 1105)).toBeUndefined();
  });

  it('counts every one of concurrent failures: exactly one of them starts the lockout', async () => {
    const store = await open();
    const policy = { maxFailures: 5, lockoutMs: 1000 };
    const results = await together(12, () => store.recordLoginFailure('x@example.org', 10, policy));
    const locks = results.filter((r) => r.status === 'fulfilled' && r.value !== undefined);
    expect(locks).toHaveLength(1);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await store.lockedUntil('x@example.org', 11)).toBe(1010);
  });

  it('deletes a challenge at its maximum of wrong codes, and a used one goes once', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    await store.createChallenge({ challengeHash: 'c1', accountId: ada.id, expiresAt: 100, failures: 0 });
    await store.recordChallengeFailure('c1', 3);
    await store.recordChallengeFailure('c1', 3);
    expect(await store.findChallenge('c1')).toEqual({
      challengeHash: 'c1',
      accountId: ada.id,
      expiresAt: 100,
      failures: 2,
    });
    await store.recordChallengeFailure('c1', 3);
    expect(await store.findChallenge('c1')).toBeUndefined();

    await store.createChallenge({ challengeHash: 'c2', accountId: ada.id, expiresAt: 100, failures: 0 });
    const deletions = await together(10, () => store.deleteChallenge('c2'));
    expect(deletions.filter((r) => r.status === 'fulfilled' && r.value)).toHaveLength(1);
    expect(await store.deleteChallenge('c2')).toBe(false);
  });

  it('keeps sessions; touching never moves the idle end past the absolute end', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    const session = {
      sessionHash: 's1',
      accountId: ada.id,
      csrfToken: 'csrf',
      createdAt: 0,
      expiresAt: 1000,
      idleExpiresAt: 100,
    };
    await store.createSession(session);
    expect(await store.findSession('s1')).toEqual(session);
    await store.touchSession('s1', 500);
    expect((await store.findSession('s1'))?.idleExpiresAt).toBe(500);
    await store.touchSession('s1', 5000);
    expect((await store.findSession('s1'))?.idleExpiresAt).toBe(1000);
    await store.deleteSession('s1');
    expect(await store.findSession('s1')).toBeUndefined();
  });

  it('ends sessions and challenges when an account is disabled or its second factor replaced', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    const bob = await store.createAccount(newAccount('bob@example.org'));
    const signIn = async (accountId: string, name: string): Promise<void> => {
      await store.createSession({
        sessionHash: `s-${name}`,
        accountId,
        csrfToken: 'c',
        createdAt: 0,
        expiresAt: 1000,
        idleExpiresAt: 100,
      });
      await store.createChallenge({ challengeHash: `c-${name}`, accountId, expiresAt: 100, failures: 0 });
    };
    await signIn(ada.id, 'ada');
    await signIn(bob.id, 'bob');
    await store.setDisabled(ada.id, 42);
    expect((await store.findAccountById(ada.id))?.disabledAt).toBe(42);
    expect(await store.findSession('s-ada')).toBeUndefined();
    expect(await store.findChallenge('c-ada')).toBeUndefined();
    expect(await store.findSession('s-bob')).toBeDefined();
    await store.setDisabled(ada.id, undefined);
    expect((await store.findAccountById(ada.id))?.disabledAt).toBeUndefined();

    await store.replaceSecondFactor(bob.id, 'KRSXG5CTMVRXEZLU', ['n1', 'n2', 'n3']);
    expect(await store.findSession('s-bob')).toBeUndefined();
    expect(await store.findChallenge('c-bob')).toBeUndefined();
    expect(await store.countRecoveryCodesLeft(bob.id)).toBe(3);
  });

  it('uses an invitation once, and rolls the use back when its email is taken', async () => {
    const store = await open();
    await store.createInvitation(invitation({ totpSecret: 'JBSWY3DPEHPK3PXP' }));
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
  });

  it('completes an enrolment once of many concurrent completions', async () => {
    const store = await open();
    await store.createInvitation(invitation());
    const results = await together(10, (i) =>
      store.completeEnrolment('th', newAccount(`bob${i}@example.org`), 20),
    );
    expect(results.filter((r) => r.status === 'fulfilled' && r.value !== undefined)).toHaveLength(1);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await store.listAccounts()).toHaveLength(1);
  });

  it('replaces pending invitations of an email, and keeps the first enrolment secret', async () => {
    const store = await open();
    const admin = await store.createAccount(newAccount('admin@example.org', { role: 'admin' }));
    await store.createInvitation(invitation({ tokenHash: 'old' }));
    await store.createInvitation(invitation({ tokenHash: 'new', invitedBy: admin.id, role: 'admin' }));
    expect(await store.findInvitation('old')).toBeUndefined();
    expect(await store.findInvitation('new')).toEqual(
      invitation({ tokenHash: 'new', invitedBy: admin.id, role: 'admin' }),
    );
    const secrets = await together(5, (i) => store.setInvitationTotpSecret('new', `SECRET${i}`));
    const kept = (await store.findInvitation('new'))?.totpSecret;
    expect(kept).toMatch(/^SECRET\d$/);
    for (const result of secrets) {
      expect(result).toEqual({ status: 'fulfilled', value: kept });
    }
    expect(await store.setInvitationTotpSecret('unknown', 'X')).toBeUndefined();
  });

  it('prunes expired sessions, challenges, invitations and old failure counters, and nothing else', async () => {
    const store = await open();
    const ada = await store.createAccount(newAccount('ada@example.org'));
    const session = { accountId: ada.id, csrfToken: 'c', createdAt: 0 };
    await store.createSession({ ...session, sessionHash: 'old', expiresAt: 100, idleExpiresAt: 50 });
    await store.createSession({ ...session, sessionHash: 'idle', expiresAt: 1000, idleExpiresAt: 100 });
    await store.createSession({ ...session, sessionHash: 'live', expiresAt: 1000, idleExpiresAt: 500 });
    await store.createChallenge({ challengeHash: 'c-old', accountId: ada.id, expiresAt: 99, failures: 0 });
    await store.createChallenge({ challengeHash: 'c-live', accountId: ada.id, expiresAt: 101, failures: 0 });
    await store.createInvitation(invitation({ tokenHash: 'i-old', email: 'x@example.org', expiresAt: 100 }));
    await store.createInvitation(invitation({ tokenHash: 'i-live', email: 'y@example.org', expiresAt: 101 }));
    const once = { maxFailures: 2, lockoutMs: 10 };
    await store.recordLoginFailure('old@example.org', 0, once);
    await store.recordLoginFailure('new@example.org', 90, once);
    await store.prune(100, 50);
    expect(await store.findSession('old')).toBeUndefined();
    expect(await store.findSession('idle')).toBeUndefined();
    expect(await store.findSession('live')).toBeDefined();
    expect(await store.findChallenge('c-old')).toBeUndefined();
    expect(await store.findChallenge('c-live')).toBeDefined();
    expect(await store.findInvitation('i-old')).toBeUndefined();
    expect(await store.findInvitation('i-live')).toBeDefined();
    // The old counter was forgotten (a failure starts again at one), the recent one was not.
    expect(await store.recordLoginFailure('old@example.org', 100, once)).toBeUndefined();
    expect(await store.recordLoginFailure('new@example.org', 100, once)).toBe(110);
  });

  it('refuses to work once closed', async () => {
    const store = await open();
    store.close();
    store.close();
    await expect(store.findAccountByEmail('ada@example.org')).rejects.toThrow(/closed/);
  });
}
