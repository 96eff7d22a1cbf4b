import { afterEach, describe, expect, it } from 'vitest';
import { HashGate } from '../../src/crypto/HashGate.ts';
import { PASSWORD, startAccountsHarness, type AccountsHarness } from './support.ts';

/**
 * The global budget of failed sign-ins and the password hash gate, seen over
 * HTTP. The budget uses rate-limiter-flexible's real clock: tiny budgets
 * over a minute, so no test waits.
 */
describe('global sign-in budget and hashing capacity', () => {
  let h: AccountsHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const login = (email: string, password = PASSWORD) => h!.post('/api/auth/login', { email, password });

  async function answer(
    res: Response,
  ): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
    return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
  }

  it('counts unknown emails and wrong passwords alike, then refuses every sign-in the same way', async () => {
    h = await startAccountsHarness({ limits: { failedSignIns: { points: 3, durationS: 60 } } });
    const ada = await h.createAccount('ada@example.org');
    expect((await login('nobody@example.org')).status).toBe(401);
    expect((await login(ada.email, `${PASSWORD}!`)).status).toBe(401);
    expect((await login('nobody-else@example.org')).status).toBe(401);

    // Spent: the right password of a real account and an unknown email get one answer.
    const right = await answer(await login(ada.email));
    const unknown = await answer(await login('third@example.org'));
    expect(right).toEqual(unknown);
    expect(right.status).toBe(429);
    expect(right.body).toEqual({ reason: 'rate-limited', message: 'too many requests, try again later' });
    expect(Number(right.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(right.retryAfter)).toBeLessThanOrEqual(60);
    expect(h.count('account_login_challenges')).toBe(0);
  });

  it('does not count successful sign-ins, nor attempts a lockout refused before any hash', async () => {
    h = await startAccountsHarness({ limits: { failedSignIns: { points: 6, durationS: 60 } } });
    const ada = await h.createAccount('ada@example.org');
    for (let i = 0; i < 3; i++) {
      expect((await login(ada.email)).status).toBe(200);
    }
    // Five failures lock this email (5 points)…
    for (let i = 0; i < 5; i++) {
      expect((await login('bob@example.org')).status).toBe(401);
    }
    // …then its attempts are refused before the hash: no point each.
    for (let i = 0; i < 3; i++) {
      expect(((await answer(await login('bob@example.org'))).body as { reason: string }).reason).toBe(
        'locked-out',
      );
    }
    expect((await login(ada.email)).status).toBe(200);
    expect((await login('carol@example.org')).status).toBe(401);
    expect((await login('dave@example.org')).status).toBe(429);
  });

  it('answers 503 busy with Retry-After, for every email alike, while password hashing is full; nothing counts', async () => {
    const gate = new HashGate({ concurrency: 1, maxQueue: 0, maxWaitMs: 3_000 });
    h = await startAccountsHarness({
      hashGate: gate,
      limits: { failedSignIns: { points: 1, durationS: 60 } },
    });
    const ada = await h.createAccount('ada@example.org');
    let release!: () => void;
    const holding = gate.run(() => new Promise<void>((resolve) => (release = resolve)));

    const answers = [
      await answer(await login(ada.email)),
      await answer(await login(ada.email, `${PASSWORD}!`)),
      await answer(await login('nobody@example.org')),
    ];
    expect(answers[0]).toEqual({
      status: 503,
      body: { reason: 'busy', message: 'the server is busy, try again in a moment' },
      retryAfter: '3',
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(h.count('account_login_failures')).toBe(0);

    release();
    await holding;
    // The budget of one failure is still whole, and the right password works again.
    expect((await login(ada.email)).status).toBe(200);
    expect((await login('nobody@example.org')).status).toBe(401);
    expect((await login('nobody@example.org')).status).toBe(429);
  });
});
