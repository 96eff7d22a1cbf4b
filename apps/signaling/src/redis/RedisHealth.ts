import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';

/** Redis is pinged this often... */
export const REDIS_PING_EVERY_MS = 1_000;
/** ...and counts as down when no answer came for this long. */
export const REDIS_DOWN_AFTER_MS = 3_000;

/**
 * Whether Redis answers, for readiness. `isReady` only says the connection
 * is open: a frozen Redis (paused, swapping, partitioned) keeps it open and
 * answers nothing. A ping every second, with the time of the last answer,
 * tells the two apart.
 */
export class RedisHealth {
  readonly #timer: ReturnType<typeof setInterval>;
  #lastAnswer = Date.now();
  #pinging = false;

  constructor(redis: RedisClientType, logger: Logger) {
    this.#timer = setInterval(() => {
      if (this.#pinging) {
        return;
      }
      this.#pinging = true;
      redis
        .ping()
        .then(() => {
          if (!this.ready) {
            logger.info('Redis answers again');
          }
          this.#lastAnswer = Date.now();
        })
        .catch(() => undefined)
        .finally(() => {
          this.#pinging = false;
        });
    }, REDIS_PING_EVERY_MS);
    this.#timer.unref();
  }

  get ready(): boolean {
    return Date.now() - this.#lastAnswer < REDIS_DOWN_AFTER_MS;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/**
 * A client for the Socket.IO adapter: its own connection, queueing commands
 * while Redis is away (the adapter's stream reader retries at once on an
 * error, which with a failing-fast client would spin without end).
 */
export async function connectAdapterRedis(redis: RedisClientType, logger: Logger): Promise<RedisClientType> {
  const client = redis.duplicate({ disableOfflineQueue: false }) as RedisClientType;
  client.on('error', (error: unknown) => logger.debug({ err: error }, 'adapter Redis connection error'));
  await client.connect();
  return client;
}
