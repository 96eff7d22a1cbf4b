import { beforeEach, expect, it } from 'vitest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterFactory } from '../../src/state/RateLimiterFactory.ts';
import { sleep } from '../support/harness.ts';
import type { Fixture } from './support.ts';

/** The refusal of a spent limit (rate-limiter-flexible rejects with a RateLimiterRes). */
async function refusal(consumed: Promise<unknown>): Promise<RateLimiterRes> {
  const error = await consumed.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RateLimiterRes);
  return error as RateLimiterRes;
}

/** What every RateLimiterFactory's limiters do, wherever they count. */
export function rateLimitersContract(
  make: () => Fixture<RateLimiterFactory> | Promise<Fixture<RateLimiterFactory>>,
): void {
  let factory: RateLimiterFactory;

  beforeEach(async () => {
    factory = (await make()).subject;
  });

  it('allows the points of a window, then refuses and says how long to wait', async () => {
    const limiter = factory.create('test-limit', { points: 3, duration: 60 });
    for (let i = 0; i < 3; i++) {
      await limiter.consume('client-1');
    }
    const refused = await refusal(limiter.consume('client-1'));
    expect(refused.msBeforeNext).toBeGreaterThan(50_000);
    expect(refused.msBeforeNext).toBeLessThanOrEqual(60_000);
  });

  it('gives a point back on reward', async () => {
    const limiter = factory.create('test-limit', { points: 2, duration: 60 });
    await limiter.consume('client-1');
    await limiter.consume('client-1');
    await limiter.reward('client-1');
    await limiter.consume('client-1');
    await refusal(limiter.consume('client-1'));
  });

  it('counts each key apart, and each limit apart', async () => {
    const one = factory.create('limit-one', { points: 1, duration: 60 });
    const two = factory.create('limit-two', { points: 1, duration: 60 });
    await one.consume('client-1');
    await one.consume('client-2');
    await two.consume('client-1');
    await refusal(one.consume('client-1'));
    await refusal(two.consume('client-1'));
  });

  it('starts over once the window is over', async () => {
    const limiter = factory.create('test-limit', { points: 1, duration: 1 });
    await limiter.consume('client-1');
    await refusal(limiter.consume('client-1'));
    await sleep(1_100);
    await limiter.consume('client-1');
  });

  it('blocks for blockDuration once spent, when asked to', async () => {
    const limiter = factory.create('test-limit', { points: 1, duration: 1, blockDuration: 60 });
    await limiter.consume('client-1');
    expect((await refusal(limiter.consume('client-1'))).msBeforeNext).toBeGreaterThan(50_000);
  });
}
