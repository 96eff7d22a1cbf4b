import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';

/** The first connection must be up within this time, or signaling does not start. */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000;
/** First wait before reconnecting; it doubles on each failure… */
export const RECONNECT_MIN_MS = 100;
/** …up to this, and never gives up. */
export const RECONNECT_MAX_MS = 5_000;

/** How long to wait before reconnection attempt `retries` (0, 1, …): bounded exponential, with jitter. */
export function reconnectDelay(retries: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(retries, 16));
  // Up to 20 % less, so that nodes cut off together do not all come back in the same millisecond.
  return Math.round(base * (1 - 0.2 * random()));
}

export interface ConnectRedisOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://…` (REDIS_URL); never logged (it holds the password). */
  url: string;
  logger: Logger;
  /** See REDIS_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
}

/** Where a Redis URL points, without its credentials (for logs and errors). */
export function redisEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'redis';
  }
}

/**
 * A connected node-redis client. An outage never crashes the process: every
 * client error is logged (an unhandled 'error' event would throw), the client
 * reconnects by itself with a bounded backoff, and while it is away commands
 * fail at once (no offline queue) instead of piling up: callers see errors,
 * not requests that hang. Throws, with the client closed, when the first
 * connection is not up within the timeout.
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<RedisClientType> {
  const { logger } = options;
  const endpoint = redisEndpoint(options.url);
  const timeoutMs = options.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS;
  const client: RedisClientType = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: Math.min(timeoutMs, 5_000),
      reconnectStrategy: (retries) => reconnectDelay(retries),
    },
  });
  let ready = false;
  let failures = 0;
  client.on('error', (error: unknown) => {
    failures++;
    // Every attempt fails alike during an outage: the first few, then one in 20.
    if (failures <= 3 || failures % 20 === 0) {
      logger.warn({ err: error, redis: endpoint, failures }, 'redis unreachable or failing');
    }
  });
  // Routine lines name no address (the logs hold none but for a failure, whose error names it anyway).
  client.on('ready', () => {
    if (ready || failures > 0) {
      logger.info({ failures }, 'redis connection back');
    }
    ready = true;
    failures = 0;
  });
  client.on('end', () => logger.debug('redis connection closed'));

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const connecting = client.connect().then(() => 'connected' as const);
  // Settles after the race when it timed out: nobody waits for it then.
  connecting.catch(() => undefined);
  try {
    const outcome = await Promise.race([connecting, timedOut]);
    if (outcome === 'timeout') {
      client.destroy();
      throw new Error(`redis at ${endpoint} not reachable within ${timeoutMs} ms`);
    }
  } catch (error) {
    if (client.isOpen) {
      client.destroy();
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  logger.info('redis connected');
  return client;
}

/** Closes a client: politely when connected (pending replies arrive), at once otherwise. Idempotent. */
export async function closeRedis(client: RedisClientType): Promise<void> {
  if (!client.isOpen) {
    return;
  }
  if (client.isReady) {
    await client.close();
  } else {
    client.destroy();
  }
}
