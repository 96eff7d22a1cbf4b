import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { MemoryRateLimiterFactory, type RateLimit, type RateLimiterFactory } from './RateLimiterFactory.ts';

/**
 * Counters in Redis (`rl:<keyPrefix>:<key>`, rate-limiter-flexible's atomic
 * Lua increment with expiry), shared by every node. While Redis cannot be
 * reached, each limiter counts in this process instead (its insurance
 * limiter, same limit) rather than letting everything through or refusing
 * everything; the counts are not merged back when Redis returns.
 */
export class RedisRateLimiterFactory implements RateLimiterFactory {
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #insurance = new MemoryRateLimiterFactory();

  constructor(options: { client: RedisClientType; keyPrefix?: string }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
  }

  create(keyPrefix: string, limit: RateLimit): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.#client,
      useRedisPackage: true,
      // Offline: straight to the insurance limiter, not into a queue waiting for Redis.
      rejectIfRedisNotReady: true,
      keyPrefix: `${this.#prefix}rl:${keyPrefix}`,
      ...limit,
      insuranceLimiter: this.#insurance.create(keyPrefix, limit),
    });
  }
}
