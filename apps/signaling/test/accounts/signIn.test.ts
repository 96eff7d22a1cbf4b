import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorBodySchema, loginResponseSchema, sessionResponseSchema } from '@confidentiel/protocol';
import { CHALLENGE_TTL_MS, SESSION_ABSOLUTE_MS } from '../../src/accounts/AccountService.ts';
import {
  PASSWORD,
  sessionSetCookie,
  startAccountsHarness,
  totpCode,
  type AccountsHarness,
  type TestAccount,
} from './support.ts';

const STEP_MS = 30_000;

describe('sign-in: password, then a one-time code', () => {
  let h: AccountsHarness;
  let ada: TestAccount;

  beforeEach(async () => {
    h = await startAccountsHarness();
    ada = await h.createAccount('ada@example.org', 'organiser', 'Ada Lovelace');
  });

  afterEach(async () => {
    await h.close();
  });

  const submitCode = (challenge: string, code: string) =>
    h.post('/api/auth/one-time-code', { challenge, code });

  it('signs in with the password and a TOTP code; the cookie then opens GET /auth/session', async () => {
    const login = await h.post('/api/auth/login', { email: '  ADA@Example.org ', password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(sessionSetCookie(login)).toBeUndefined();
    const { challenge, step } = loginResponseSchema.parse(await login.json());
    expect(step).toBe('one-time-code');
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await submitCode(challenge, totpCode(ada.totpSecret, h.clock.now()));
    expect(res.status).toBe(200);
    const session = sessionResponseSchema.parse(await res.json());
    expect(session.account).toEqual({
      accountId: ada.accountId,
      email: 'ada@example.org',
      displayName: 'Ada Lovelace',
      role: 'organiser',
    });
    expect(session.recoveryCodesLeft).toBe(10);
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const setCookie = sessionSetCookie(res)!;
    const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes[0]).toMatch(/^confidentiel_session=[a-z0-9_-]{43}$/);
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    expect(attributes).toContain(`max-age=${SESSION_ABSOLUTE_MS / 1000}`);
    expect(attributes).not.toContain('secure');

    const cookie = setCookie.split(';')[0]!;
    const current = await h.get('/api/auth/session', { cookie });
    expect(current.status).toBe(200);
    expect(current.headers.get('cache-control')).toBe('no-store');
    expect(sessionResponseSchema.parse(await current.json())).toEqual(session);
  });

  it('marks the session cookie Secure when the service runs behind HTTPS', async () => {
    const secure = await startAccountsHarness({ secureCookies: true });
    try {
      const bob = await secure.createAccount('bob@example.org');
      const { setCookie } = await secure.signIn(bob);
      expect(setCookie.split(';').map((a) => a.trim().toLowerCase())).toContain('secure');
    } finally {
      await secure.close();
    }
  });

  it('refuses a wrong TOTP code and still accepts the right one on the same challenge', async () => {
    const challenge = await h.login(ada.email);
    const right = totpCode(ada.totpSecret, h.clock.now());
    const wrong = right === '000000' ? '111111' : '000000';
    const refused = await submitCode(challenge, wrong);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ reason: 'invalid-credentials', message: 'wrong one-time code' });
    expect(sessionSetCookie(refused)).toBeUndefined();
    expect(h.count('account_sessions')).toBe(0);

    const accepted = await submitCode(challenge, right);
    expect(accepted.status).toBe(200);
    expect(h.count('account_sessions')).toBe(1);
  });

  it('refuses a TOTP code replayed within its window, and any older code', async () => {
    const code = totpCode(ada.totpSecret, h.clock.now());
    const previous = totpCode(ada.totpSecret, h.clock.now() - STEP_MS);
    await h.signIn(ada);

    h.clock.advance(10_000);
    const challenge = await h.login(ada.email);
    for (const replay of [code, previous]) {
      const res = await submitCode(challenge, replay);
      expect(res.status, replay).toBe(401);
      expect(((await res.json()) as { reason: string }).reason).toBe('invalid-credentials');
    }
    // The next step's code is new: accepted.
    h.clock.advance(STEP_MS);
    const fresh = await submitCode(challenge, totpCode(ada.totpSecret, h.clock.now()));
    expect(fresh.status).toBe(200);
  });

  it('accepts a code one step early or late (clock drift) but not two', async () => {
    const now = h.clock.now();
    for (const [offset, status] of [
      [-2 * STEP_MS, 401],
      [2 * STEP_MS, 401],
      [-STEP_MS, 200],
    ] as const) {
      const challenge = await h.login(ada.email);
      const res = await submitCode(challenge, totpCode(ada.totpSecret, now + offset));
      expect(res.status, `offset ${offset}`).toBe(status);
    }
    // After using step -1, step +1 is still new.
    const challenge = await h.login(ada.email);
    expect((await submitCode(challenge, totpCode(ada.totpSecret, now + STEP_MS))).status).toBe(200);
  });

  it('accepts a recovery code once, and counts the codes left', async () => {
    const recovery = ada.recoveryCodes[3]!;
    expect(recovery).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    const first = await submitCode(await h.login(ada.email), recovery);
    expect(first.status).toBe(200);
    expect(sessionResponseSchema.parse(await first.json()).recoveryCodesLeft).toBe(9);

    const again = await submitCode(await h.login(ada.email), recovery);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { reason: string }).reason).toBe('invalid-credentials');

    const other = await submitCode(await h.login(ada.email), ada.recoveryCodes[0]!);
    expect(other.status).toBe(200);
    expect(sessionResponseSchema.parse(await other.json()).recoveryCodesLeft).toBe(8);
  });

  it("refuses another account's recovery code", async () => {
    const bob = await h.createAccount('bob@example.org');
    const res = await submitCode(await h.login(ada.email), bob.recoveryCodes[0]!);
    expect(res.status).toBe(401);
    expect(h.count('account_sessions')).toBe(0);
  });

  it('kills the challenge after 5 wrong codes: even the right code then needs the password again', async () => {
    const challenge = await h.login(ada.email);
    const right = totpCode(ada.totpSecret, h.clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) {
      expect((await submitCode(challenge, wrong)).status).toBe(401);
    }
    const res = await submitCode(challenge, right);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      reason: 'unauthorized',
      message: 'sign-in expired, enter the password again',
    });
    expect(h.count('account_login_challenges')).toBe(0);
  });

  it('lets a challenge expire after 5 minutes', async () => {
    const challenge = await h.login(ada.email);
    h.clock.advance(CHALLENGE_TTL_MS);
    const res = await submitCode(challenge, totpCode(ada.totpSecret, h.clock.now()));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe('unauthorized');
  });

  it('uses a challenge once', async () => {
    const challenge = await h.login(ada.email);
    expect((await submitCode(challenge, totpCode(ada.totpSecret, h.clock.now()))).status).toBe(200);
    h.clock.advance(STEP_MS);
    const again = await submitCode(challenge, totpCode(ada.totpSecret, h.clock.now()));
    expect(again.status).toBe(401);
    expect(((await again.json()) as { reason: string }).reason).toBe('unauthorized');
    expect(h.count('account_sessions')).toBe(1);
  });

  it('opens one session only when two right codes race on one challenge', async () => {
    const challenge = await h.login(ada.email);
    const results = await Promise.all([
      submitCode(challenge, ada.recoveryCodes[0]!),
      submitCode(challenge, ada.recoveryCodes[1]!),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(h.count('account_sessions')).toBe(1);
  });

  it('answers an unknown email, a wrong password and a disabled account identically', async () => {
    const carol = await h.createAccount('carol@example.org');
    await h.accounts.service.setDisabled(carol.email, true);
    const answers = [];
    for (const body of [
      { email: 'nobody@example.org', password: PASSWORD },
      { email: ada.email, password: `${PASSWORD}!` },
      { email: carol.email, password: PASSWORD },
    ]) {
      const res = await h.post('/api/auth/login', body);
      answers.push({
        status: res.status,
        body: errorBodySchema.parse(await res.json()),
        setCookie: res.headers.getSetCookie(),
        headers: [...res.headers.keys()].filter((k) => !['date', 'etag'].includes(k)).sort(),
      });
    }
    expect(answers[0]).toEqual({
      status: 401,
      body: { reason: 'invalid-credentials', message: 'wrong email or password' },
      setCookie: [],
      headers: answers[0]!.headers,
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(h.count('account_login_challenges')).toBe(0);
  });

  it('ends the sessions of a disabled account', async () => {
    const { cookie } = await h.signIn(ada);
    expect((await h.get('/api/auth/session', { cookie })).status).toBe(200);
    await h.accounts.service.setDisabled(ada.email, true);
    const res = await h.get('/api/auth/session', { cookie });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe('unauthorized');
  });

  it('logs sign-ins by account id, never client addresses, emails or secrets', async () => {
    const { cookie, csrfToken } = await h.signIn(ada);
    await h.post('/api/auth/login', { email: 'nobody@example.org', password: PASSWORD });
    const text = h.logText();
    expect(h.logs().some((l) => l.msg === 'account signed in' && l.accountId === ada.accountId)).toBe(true);
    expect(text).not.toMatch(/127\.0\.0\.1|::1\b|::ffff:/);
    for (const secret of [
      PASSWORD,
      ada.email,
      'nobody@example.org',
      ada.totpSecret,
      cookie.split('=')[1]!,
      csrfToken,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
