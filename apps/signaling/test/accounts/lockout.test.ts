import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCKOUT_MS, MAX_FAILED_SIGN_INS } from '../../src/accounts/AccountService.ts';
import {
  PASSWORD,
  startAccountsHarness,
  totpCode,
  type AccountsHarness,
  type TestAccount,
} from './support.ts';

const WRONG = `${PASSWORD}?`;

describe('lockout after repeated failed sign-ins', () => {
  let h: AccountsHarness;
  let ada: TestAccount;

  beforeEach(async () => {
    h = await startAccountsHarness();
    ada = await h.createAccount('ada@example.org');
  });

  afterEach(async () => {
    await h.close();
  });

  const login = (email: string, password: string) => h.post('/api/auth/login', { email, password });

  async function fail(email: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const res = await login(email, WRONG);
      expect(res.status, `failure ${i + 1}`).toBe(401);
    }
  }

  it('locks the account for 15 minutes after 5 wrong passwords, even against the right one', async () => {
    expect(MAX_FAILED_SIGN_INS).toBe(5);
    await fail(ada.email, 5);

    const locked = await login(ada.email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toEqual({
      reason: 'locked-out',
      message: 'too many failed sign-ins, try again later',
    });
    expect(locked.headers.get('retry-after')).toBe(String(LOCKOUT_MS / 1000));
    expect(h.count('account_login_challenges')).toBe(0);

    h.clock.advance(LOCKOUT_MS - 60_000);
    const stillLocked = await login(ada.email, PASSWORD);
    expect(stillLocked.status).toBe(429);
    expect(stillLocked.headers.get('retry-after')).toBe('60');

    h.clock.advance(60_000);
    expect((await login(ada.email, PASSWORD)).status).toBe(200);
  });

  it('does not lock after 4 failures', async () => {
    await fail(ada.email, 4);
    expect((await login(ada.email, PASSWORD)).status).toBe(200);
  });

  it('starts counting again after a complete sign-in', async () => {
    await fail(ada.email, 4);
    await h.signIn(ada);
    await fail(ada.email, 4);
    h.clock.advance(30_000);
    await h.signIn(ada);
    expect(h.count('account_login_failures')).toBe(0);
  });

  it('counts wrong one-time codes too (a stolen password alone cannot be turned into endless code guesses)', async () => {
    const right = totpCode(ada.totpSecret, h.clock.now());
    const wrong = right === '000000' ? '111111' : '000000';
    await fail(ada.email, 2);
    for (let i = 0; i < 3; i++) {
      const challenge = await h.login(ada.email);
      expect((await h.post('/api/auth/one-time-code', { challenge, code: wrong })).status).toBe(401);
    }
    expect((await login(ada.email, PASSWORD)).status).toBe(429);
  });

  it('refuses the one-time code step while the account is locked', async () => {
    const challenge = await h.login(ada.email);
    await fail(ada.email, 5);
    const res = await h.post('/api/auth/one-time-code', {
      challenge,
      code: totpCode(ada.totpSecret, h.clock.now()),
    });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { reason: string }).reason).toBe('locked-out');
    expect(h.count('account_sessions')).toBe(0);
  });

  it('locks an unknown email the same way, so a lockout does not reveal that an account exists', async () => {
    await fail('nobody@example.org', 5);
    const res = await login('nobody@example.org', PASSWORD);
    expect(res.status).toBe(429);
    expect(((await res.json()) as { reason: string }).reason).toBe('locked-out');
  });

  it('locks one email, not the others', async () => {
    const bob = await h.createAccount('bob@example.org');
    await fail(ada.email, 5);
    expect((await login(bob.email, PASSWORD)).status).toBe(200);
  });
});
