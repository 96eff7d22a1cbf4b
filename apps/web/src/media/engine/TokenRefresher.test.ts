import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.ts';
import { FakeClock } from '../testing/fakeClock.ts';
import { REFRESH_RETRY_MS, TokenRefresher, tokenExpiry } from './TokenRefresher.ts';

function jwt(expSeconds: number): string {
  const payload = btoa(JSON.stringify({ exp: expSeconds })).replace(/=+$/, '');
  return `header.${payload}.signature`;
}

describe('TokenRefresher', () => {
  it('reads the expiry of a token, and none of a malformed one', () => {
    expect(tokenExpiry(jwt(1234))).toBe(1_234_000);
    expect(tokenExpiry('not-a-jwt')).toBeNull();
    expect(tokenExpiry('a.!!!.b')).toBeNull();
  });

  it('refreshes at half the remaining life, then follows the fresh token', async () => {
    const clock = new FakeClock();
    const asked: number[] = [];
    const fresh: string[] = [];
    const refresher = new TokenRefresher({
      refresh: () => {
        asked.push(clock.now());
        return Promise.resolve({ token: `t${asked.length}`, expiresAt: (clock.now() + 600_000) / 1000 });
      },
      onToken: ({ token }) => fresh.push(token),
      clock,
      logger: silentLogger,
    });
    const start = clock.now();
    refresher.start(jwt((start + 600_000) / 1000));
    await clock.run(299_999);
    expect(asked).toEqual([]);
    await clock.run(1);
    expect(asked).toEqual([start + 300_000]);
    expect(fresh).toEqual(['t1']);
    await clock.run(300_000);
    expect(fresh).toEqual(['t1', 't2']);
    refresher.close();
    await clock.run(3_600_000);
    expect(fresh).toEqual(['t1', 't2']);
  });

  it('retries a failed refresh while the token has time left', async () => {
    const clock = new FakeClock();
    let failures = 1;
    const fresh: string[] = [];
    const refresher = new TokenRefresher({
      refresh: () =>
        failures-- > 0
          ? Promise.reject(new Error('timeout'))
          : Promise.resolve({ token: 'ok', expiresAt: (clock.now() + 600_000) / 1000 }),
      onToken: ({ token }) => fresh.push(token),
      clock,
      logger: silentLogger,
    });
    refresher.start(jwt((clock.now() + 60_000) / 1000));
    await clock.run(30_000 + REFRESH_RETRY_MS + 15_000);
    expect(fresh).toEqual(['ok']);
    refresher.close();
  });
});
