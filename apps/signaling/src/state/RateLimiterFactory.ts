import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A budget of `points` per `duration` seconds (and, if given, a block of `blockDuration` seconds once spent). */
export interface RateLimit {
  points: number;
  duration: number;
  blockDuration?: number;
}

/**
 * Where every rate limiter of signaling is made. In memory each node counts
 * alone (MemoryRateLimiterFactory); in Redis the nodes share one count per
 * key (RedisRateLimiterFactory), so a limit holds for the service, not once
 * per node. `keyPrefix` names the limit: two limiters with the same prefix
 * share their counters.
 */
export interface RateLimiterFactory {
  create(keyPrefix: string, limit: RateLimit): RateLimiterAbstract;
}

/** Counters in this process only. */
export class MemoryRateLimiterFactory implements RateLimiterFactory {
  create(keyPrefix: string, limit: RateLimit): RateLimiterAbstract {
    return new RateLimiterMemory({ keyPrefix, ...limit });
  }
}
