import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../src/accounts/AccountService.ts';
import {
  PASSWORD,
  sessionSetCookie,
  snapshot,
  startAccountsHarness,
  type AccountsHarness,
  type SignedIn,
  type TestAccount,
} from './support.ts';

describe('sessions, CSRF and Origin checks', () => {
  let h: AccountsHarness;
  let ada: TestAccount;
  let s: SignedIn;

  beforeEach(async () => {
    h = await startAccountsHarness();
    ada = await h.createAccount('ada@example.org', 'admin', 'Ada');
    s = await h.signIn(ada);
  });

  afterEach(async () => {
    await h.close();
  });

  const sessionStatus = async (cookie = s.cookie) => (await h.get('/api/auth/session', { cookie })).status;
  const reasonOf = async (res: Response) => ((await res.json()) as { reason: string }).reason;

  it('refuses GET /auth/session without a cookie, with an unknown one, or a malformed one (401 unauthorized)', async () => {
    for (const cookie of [
      undefined,
      'confidentiel_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'confidentiel_session=%E0%A4%A',
      `other=${s.cookie.split('=')[1]!}`,
    ]) {
      const res = await h.get('/api/auth/session', cookie === undefined ? {} : { cookie });
      expect(res.status, cookie).toBe(401);
      expect(await res.json()).toEqual({ reason: 'unauthorized', message: 'sign in first' });
    }
  });

  it('finds the session cookie among other cookies', async () => {
    expect(await sessionStatus(`theme=dark; ${s.cookie}; lang=fr`)).toBe(200);
  });

  it('refuses a state-changing request without the CSRF header, or with a wrong one, and changes nothing', async () => {
    const before = snapshot(h.db);
    // Later than sign-in: a refused request that touched the session would move its idle end.
    h.clock.advance(60_000);
    for (const csrf of [undefined, '', 'x'.repeat(43), s.csrfToken.slice(0, -1), `${s.csrfToken}x`]) {
      const logout = await h.post('/api/auth/logout', undefined, {
        cookie: s.cookie,
        ...(csrf === undefined ? {} : { csrf }),
      });
      expect(logout.status, String(csrf)).toBe(403);
      expect(await logout.json()).toEqual({
        reason: 'csrf',
        message: 'missing or wrong x-csrf-token header',
      });
      const invite = await h.post(
        '/api/admin/account-invitations',
        { email: 'bob@example.org', displayName: 'Bob' },
        { cookie: s.cookie, ...(csrf === undefined ? {} : { csrf }) },
      );
      expect(invite.status).toBe(403);
      expect(await reasonOf(invite)).toBe('csrf');
    }
    expect(h.count('account_invitations')).toBe(0);
    // Not even the session's idle end moved: a refused request does not count as use.
    expect(snapshot(h.db)).toBe(before);
    expect(await sessionStatus()).toBe(200);
  });

  it("does not accept another session's CSRF token", async () => {
    h.clock.advance(30_000);
    const other = await h.signIn(ada);
    const res = await h.post('/api/auth/logout', undefined, { cookie: s.cookie, csrf: other.csrfToken });
    expect(res.status).toBe(403);
    expect(await sessionStatus()).toBe(200);
  });

  it('refuses a foreign Origin on a state-changing request even with the right token (403 csrf)', async () => {
    for (const origin of [
      'https://evil.example',
      'null',
      'http://localhost:1235',
      'http://localhost:1234/',
    ]) {
      const res = await h.post('/api/probe', {}, { cookie: s.cookie, csrf: s.csrfToken, origin });
      expect(res.status, origin).toBe(403);
      expect(await res.json()).toEqual({
        reason: 'csrf',
        message: 'request from an origin that is not allowed',
      });
    }
    const logout = await h.post('/api/auth/logout', undefined, {
      cookie: s.cookie,
      csrf: s.csrfToken,
      origin: 'https://evil.example',
    });
    expect(logout.status).toBe(403);
    expect(await sessionStatus()).toBe(200);
  });

  it('lets a state-changing request through with the token and an allowed or absent Origin; sets res.locals.account', async () => {
    for (const origin of ['http://localhost:1234', null]) {
      const res = await h.post('/api/probe', {}, { cookie: s.cookie, csrf: s.csrfToken, origin });
      expect(res.status).toBe(200);
      const info = { accountId: ada.accountId, email: ada.email, displayName: 'Ada', role: 'admin' };
      expect(await res.json()).toEqual({ account: info, locals: info });
    }
  });

  it('refuses sign-in and enrolment requests from a foreign Origin (login CSRF)', async () => {
    for (const [path, body] of [
      ['/api/auth/login', { email: ada.email, password: PASSWORD }],
      ['/api/auth/one-time-code', { challenge: 'c'.repeat(43), code: '123456' }],
      ['/api/enrolment/start', { token: 't'.repeat(43) }],
    ] as const) {
      const res = await h.post(path, body, { origin: 'https://evil.example' });
      expect(res.status, path).toBe(403);
      expect(await reasonOf(res)).toBe('csrf');
    }
    expect(h.count('account_login_challenges')).toBe(0);
  });

  it('needs no CSRF token for GET', async () => {
    const res = await h.get('/api/probe', { cookie: s.cookie, origin: 'https://evil.example' });
    expect(res.status).toBe(200);
  });

  it('ends the session on logout and clears the cookie', async () => {
    const res = await h.post('/api/auth/logout', undefined, { cookie: s.cookie, csrf: s.csrfToken });
    expect(res.status).toBe(204);
    const cleared = sessionSetCookie(res)!;
    expect(cleared).toMatch(/^confidentiel_session=;/);
    expect(cleared.toLowerCase()).toContain('expires=thu, 01 jan 1970');
    expect(await sessionStatus()).toBe(401);
    expect(h.count('account_sessions')).toBe(0);
    // Logging out twice: the session is gone.
    const again = await h.post('/api/auth/logout', undefined, { cookie: s.cookie, csrf: s.csrfToken });
    expect(again.status).toBe(401);
  });

  it('ends only the session logged out of', async () => {
    h.clock.advance(30_000);
    const other = await h.signIn(ada);
    await h.post('/api/auth/logout', undefined, { cookie: s.cookie, csrf: s.csrfToken });
    expect(await sessionStatus(other.cookie)).toBe(200);
  });

  it('ends a session after 30 minutes without use; each use pushes the end back', async () => {
    h.clock.advance(SESSION_IDLE_MS - 1000);
    expect(await sessionStatus()).toBe(200);
    h.clock.advance(SESSION_IDLE_MS - 1000);
    expect(await sessionStatus()).toBe(200);
    h.clock.advance(SESSION_IDLE_MS);
    expect(await sessionStatus()).toBe(401);
    expect(h.count('account_sessions')).toBe(0);
  });

  it('ends a session 12 hours after sign-in even when it is used all along', async () => {
    const start = h.clock.now();
    while (h.clock.now() < start + SESSION_ABSOLUTE_MS - 20 * 60_000) {
      h.clock.advance(20 * 60_000);
      expect(await sessionStatus()).toBe(200);
    }
    h.clock.advance(start + SESSION_ABSOLUTE_MS - h.clock.now());
    expect(await sessionStatus()).toBe(401);
  });

  it('refuses requireAdmin routes to an organiser (403 forbidden) and lets an admin through', async () => {
    expect((await h.post('/api/admin-probe', {}, { cookie: s.cookie, csrf: s.csrfToken })).status).toBe(200);
    const bob = await h.createAccount('bob@example.org', 'organiser');
    const b = await h.signIn(bob);
    const res = await h.post('/api/admin-probe', {}, { cookie: b.cookie, csrf: b.csrfToken });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ reason: 'forbidden', message: 'administrators only' });
  });
});
