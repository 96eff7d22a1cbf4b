import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startAccountsHarness, type AccountsHarness } from './support.ts';

/** Costly enough (16 MiB, tens of ms) that skipping the hash would show; cheap enough for CI. */
const MEASURABLE_COST = { log2N: 14, r: 8, p: 1 };
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('login timing', () => {
  let h: AccountsHarness;

  beforeAll(async () => {
    h = await startAccountsHarness({ passwordCost: MEASURABLE_COST });
    await h.createAccount('ada@example.org');
  });

  afterAll(async () => {
    await h.close();
  });

  async function timeLogin(email: string): Promise<number> {
    const started = performance.now();
    const res = await h.post('/api/auth/login', { email, password: `${PASSWORD}?` });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(401);
    return elapsed;
  }

  it('spends about as long on an unknown email as on a wrong password (a dummy hash)', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved, so that load on the machine hits both alike; different emails each
    // round so that no lockout cuts the work short.
    for (let i = 0; i < ROUNDS; i++) {
      unknown.push(await timeLogin(`nobody${i}@example.org`));
      wrong.push(await timeLogin('ada@example.org'));
    }
    const wrongMs = median(wrong);
    const unknownMs = median(unknown);
    // The hash dominates a wrong password's answer…
    expect(wrongMs).toBeGreaterThan(5);
    // …and an unknown email pays the same hash (loose bound: a shared machine is noisy).
    expect(unknownMs).toBeGreaterThan(wrongMs * 0.5);
  });
});
