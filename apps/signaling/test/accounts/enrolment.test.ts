import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accountInvitationResponseSchema,
  enrolmentCompleteResponseSchema,
  enrolmentStartResponseSchema,
} from '@confidentiel/protocol';
import { INVITATION_TTL_MS } from '../../src/accounts/AccountService.ts';
import {
  PASSWORD,
  snapshot,
  startAccountsHarness,
  totpCode,
  type AccountsHarness,
  type SignedIn,
} from './support.ts';

const NEW_PASSWORD = 'a new and long passphrase';
const STEP_MS = 30_000;

describe('invitations and enrolment', () => {
  let h: AccountsHarness;
  let admin: SignedIn;

  beforeEach(async () => {
    h = await startAccountsHarness();
    admin = await h.signIn(await h.createAccount('admin@example.org', 'admin', 'Greffe'));
  });

  afterEach(async () => {
    await h.close();
  });

  const invite = (body: unknown, who: SignedIn = admin) =>
    h.post('/api/admin/account-invitations', body, { cookie: who.cookie, csrf: who.csrfToken });

  async function invitationToken(email = 'bob@example.org', role?: 'admin' | 'organiser'): Promise<string> {
    const res = await invite({ email, displayName: 'Maître Bob', ...(role ? { role } : {}) });
    expect(res.status).toBe(201);
    const { enrolPath } = accountInvitationResponseSchema.parse(await res.json());
    return enrolPath.slice('/inscription#t='.length);
  }

  const start = (token: string) => h.post('/api/enrolment/start', { token });
  const complete = (token: string, code: string, password = NEW_PASSWORD) =>
    h.post('/api/enrolment/complete', { token, password, code });
  const reasonOf = async (res: Response) => ((await res.json()) as { reason: string }).reason;

  it('lets an admin invite; the invitee enrols with a real TOTP code and signs in', async () => {
    const res = await invite({ email: 'Bob@Example.org', displayName: 'Maître Bob' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const invitation = accountInvitationResponseSchema.parse(await res.json());
    expect(invitation.enrolPath).toMatch(/^\/inscription#t=[A-Za-z0-9_-]{43}$/);
    expect(invitation.expiresAt).toBe(h.clock.now() + INVITATION_TTL_MS);
    const token = invitation.enrolPath.split('#t=')[1]!;

    const started = await start(token);
    expect(started.status).toBe(200);
    const setup = enrolmentStartResponseSchema.parse(await started.json());
    expect(setup.email).toBe('bob@example.org');
    expect(setup.displayName).toBe('Maître Bob');
    expect(setup.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauthUri).toContain(`secret=${setup.totpSecret}`);
    expect(setup.otpauthUri).toContain('issuer=Confidentiel');
    // Opening the link again (a reload) shows the same secret.
    expect(enrolmentStartResponseSchema.parse(await (await start(token)).json()).totpSecret).toBe(
      setup.totpSecret,
    );

    const enrolCode = totpCode(setup.totpSecret, h.clock.now());
    const done = await complete(token, enrolCode);
    expect(done.status).toBe(201);
    const { recoveryCodes } = enrolmentCompleteResponseSchema.parse(await done.json());
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) {
      expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    }

    // The code typed at enrolment cannot be replayed to sign in.
    const challenge = await h.login('bob@example.org', NEW_PASSWORD);
    expect((await h.post('/api/auth/one-time-code', { challenge, code: enrolCode })).status).toBe(401);

    h.clock.advance(STEP_MS);
    const bob = await h.signIn({ email: 'bob@example.org', totpSecret: setup.totpSecret }, NEW_PASSWORD);
    expect(bob.session.account).toMatchObject({
      email: 'bob@example.org',
      displayName: 'Maître Bob',
      role: 'organiser',
    });
    expect(bob.session.recoveryCodesLeft).toBe(10);
    // A recovery code from enrolment works too.
    const viaRecovery = await h.post('/api/auth/one-time-code', {
      challenge: await h.login('bob@example.org', NEW_PASSWORD),
      code: recoveryCodes[0],
    });
    expect(viaRecovery.status).toBe(200);
  });

  it('gives the invited role', async () => {
    const token = await invitationToken('clerk@example.org', 'admin');
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    expect((await complete(token, totpCode(setup.totpSecret, h.clock.now()))).status).toBe(201);
    const account = await h.accounts.store.findAccountByEmail('clerk@example.org');
    expect(account?.role).toBe('admin');
  });

  it('refuses a used enrolment token', async () => {
    const token = await invitationToken();
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    expect((await complete(token, totpCode(setup.totpSecret, h.clock.now()))).status).toBe(201);
    h.clock.advance(STEP_MS);

    const again = await start(token);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({
      reason: 'invite-invalid',
      message: 'this enrolment link is invalid, used or expired',
    });
    const before = snapshot(h.db);
    const reuse = await complete(token, totpCode(setup.totpSecret, h.clock.now()), 'someone else password');
    expect(reuse.status).toBe(404);
    expect(await reasonOf(reuse)).toBe('invite-invalid');
    expect(snapshot(h.db)).toBe(before);
    expect(h.count('accounts')).toBe(2);
  });

  it('lets only one of two concurrent completions of an invitation win', async () => {
    const token = await invitationToken();
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    const code = totpCode(setup.totpSecret, h.clock.now());
    const results = await Promise.all([
      complete(token, code, 'first passphrase!!'),
      complete(token, code, 'second passphrase!!'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 404]);
    expect(h.count('accounts')).toBe(2);
  });

  it('refuses an expired enrolment token (72 hours)', async () => {
    const token = await invitationToken();
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    h.clock.advance(INVITATION_TTL_MS);
    expect(await reasonOf(await start(token))).toBe('invite-invalid');
    const res = await complete(token, totpCode(setup.totpSecret, h.clock.now()));
    expect(res.status).toBe(404);
    expect(await h.accounts.store.findAccountByEmail('bob@example.org')).toBeUndefined();
  });

  it('refuses an unknown enrolment token', async () => {
    const res = await start('A'.repeat(43));
    expect(res.status).toBe(404);
    expect(await reasonOf(res)).toBe('invite-invalid');
  });

  it('refuses a wrong code at enrolment and keeps the token usable', async () => {
    const token = await invitationToken();
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    const right = totpCode(setup.totpSecret, h.clock.now());
    const res = await complete(token, right === '000000' ? '111111' : '000000');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ reason: 'invalid-credentials', message: 'wrong one-time code' });
    expect(h.count('accounts')).toBe(1);
    expect((await complete(token, right)).status).toBe(201);
  });

  it('refuses to complete an enrolment that was not started (no secret shown yet)', async () => {
    const token = await invitationToken();
    const res = await complete(token, '123456');
    expect(res.status).toBe(409);
    expect(await reasonOf(res)).toBe('conflict');
    expect(h.count('accounts')).toBe(1);
  });

  it('replaces a pending invitation by a newer one for the same email', async () => {
    const first = await invitationToken();
    const second = await invitationToken();
    expect(await reasonOf(await start(first))).toBe('invite-invalid');
    expect((await start(second)).status).toBe(200);
    expect(h.count('account_invitations')).toBe(1);
  });

  it('refuses to invite an email that already has an account (409 conflict)', async () => {
    const res = await invite({ email: 'ADMIN@example.org', displayName: 'Again' });
    expect(res.status).toBe(409);
    expect(await reasonOf(res)).toBe('conflict');
    expect(h.count('account_invitations')).toBe(0);
  });

  it('does not let an organiser invite (403 forbidden), nor anyone signed out (401)', async () => {
    const bob = await h.createAccount('organiser@example.org', 'organiser');
    const organiser = await h.signIn(bob);
    const res = await invite({ email: 'eve@example.org', displayName: 'Eve', role: 'admin' }, organiser);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ reason: 'forbidden', message: 'administrators only' });

    const anonymous = await h.post('/api/admin/account-invitations', {
      email: 'eve@example.org',
      displayName: 'Eve',
    });
    expect(anonymous.status).toBe(401);
    expect(await reasonOf(anonymous)).toBe('unauthorized');
    expect(h.count('account_invitations')).toBe(0);
  });

  it('stops an invitation when the email got an account meanwhile (admin CLI)', async () => {
    const token = await invitationToken();
    const setup = enrolmentStartResponseSchema.parse(await (await start(token)).json());
    await h.createAccount('bob@example.org');
    const res = await complete(token, totpCode(setup.totpSecret, h.clock.now()));
    expect(res.status).toBe(409);
    expect(h.count('accounts')).toBe(2);
    // Password unchanged: the existing account still signs in with its own.
    expect(await h.login('bob@example.org', PASSWORD)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
