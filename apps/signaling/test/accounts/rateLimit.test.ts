import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, postFrom, startAccountsHarness, type AccountsHarness } from './support.ts';

/**
 * Rate limits use rate-limiter-flexible's own clock (real time): each test
 * sets tiny limits over a long window, so it never waits.
 */
describe('rate limits on sign-in and enrolment', () => {
  let h: AccountsHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('limits login attempts per client address with 429 rate-limited and Retry-After', async () => {
    h = await startAccountsHarness({ limits: { loginPerIp: { points: 3, durationS: 60 } } });
    const ada = await h.createAccount('ada@example.org');
    for (let i = 0; i < 3; i++) {
      // Different emails: neither the lockout nor the per-email limit is what stops the fourth.
      expect(
        (await h.post('/api/auth/login', { email: `x${i}@example.org`, password: PASSWORD })).status,
      ).toBe(401);
    }
    const limited = await h.post('/api/auth/login', { email: ada.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      reason: 'rate-limited',
      message: 'too many requests, try again later',
    });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(h.count('account_login_challenges')).toBe(0);

    // Another address is not limited by this one's attempts.
    const other = await postFrom('127.0.0.2', h.port, '/api/auth/login', {
      email: ada.email,
      password: PASSWORD,
    });
    expect(other.status).toBe(200);
  });

  it('counts malformed requests against the address too', async () => {
    h = await startAccountsHarness({ limits: { loginPerIp: { points: 2, durationS: 60 } } });
    expect((await h.post('/api/auth/login', { nope: 1 })).status).toBe(400);
    expect((await h.post('/api/auth/login', { nope: 2 })).status).toBe(400);
    expect((await h.post('/api/auth/login', { nope: 3 })).status).toBe(429);
  });

  it('limits login attempts per email across client addresses', async () => {
    h = await startAccountsHarness({ limits: { loginPerEmail: { points: 2, durationS: 600 } } });
    const ada = await h.createAccount('ada@example.org');
    const body = { email: ada.email, password: PASSWORD };
    expect((await postFrom('127.0.0.2', h.port, '/api/auth/login', body)).status).toBe(200);
    expect((await postFrom('127.0.0.3', h.port, '/api/auth/login', body)).status).toBe(200);
    const limited = await postFrom('127.0.0.4', h.port, '/api/auth/login', {
      email: 'ADA@example.org',
      password: PASSWORD,
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ reason: 'rate-limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Other emails are not affected.
    expect((await h.post('/api/auth/login', { email: 'bob@example.org', password: PASSWORD })).status).toBe(
      401,
    );
  });

  it('limits one-time code attempts per client address', async () => {
    h = await startAccountsHarness({ limits: { oneTimeCodePerIp: { points: 2, durationS: 60 } } });
    const body = { challenge: 'c'.repeat(43), code: '123456' };
    expect((await h.post('/api/auth/one-time-code', body)).status).toBe(401);
    expect((await h.post('/api/auth/one-time-code', body)).status).toBe(401);
    const limited = await h.post('/api/auth/one-time-code', body);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { reason: string }).reason).toBe('rate-limited');
  });

  it('limits enrolment attempts per client address', async () => {
    h = await startAccountsHarness({ limits: { enrolmentPerIp: { points: 2, durationS: 60 } } });
    const token = { token: 't'.repeat(43) };
    expect((await h.post('/api/enrolment/start', token)).status).toBe(404);
    expect(
      (await h.post('/api/enrolment/complete', { ...token, password: PASSWORD, code: '123456' })).status,
    ).toBe(404);
    const limited = await h.post('/api/enrolment/start', token);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { reason: string }).reason).toBe('rate-limited');
  });
});
