import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import {
  SFU_HOST_RECORD_TTL_MS,
  SFU_HOST_REGISTER_EVERY_MS,
  SFU_HOSTS_KEY,
  sfuHostKey,
  type SfuHostLoad,
  type SfuHostRecord,
} from '@confidentiel/protocol';

/** Reconnection back-off: doubles from this… */
const RECONNECT_MIN_MS = 100;
/** …up to this, and never gives up. */
const RECONNECT_MAX_MS = 5_000;

export interface HostRegistrationOptions {
  /** REDIS_URL; never logged (it may hold a password). */
  redisUrl: string;
  /** The origin of SFU_PUBLIC_CONTROL_URL. */
  hostId: string;
  instance: string;
  load: () => SfuHostLoad;
  logger: Logger;
  now?: () => number;
}

/**
 * This host in Redis, for signaling to find: its id, process and load under
 * `sfuHostKey(id)`, written every SFU_HOST_REGISTER_EVERY_MS with a time to
 * live of SFU_HOST_RECORD_TTL_MS, and its id in the set SFU_HOSTS_KEY. Media
 * never waits for Redis: the host starts and serves without it, and
 * registers once Redis answers.
 */
export class HostRegistration {
  readonly #options: HostRegistrationOptions;
  readonly #client: RedisClientType;
  readonly #timer: ReturnType<typeof setInterval>;
  #failures = 0;
  #closed = false;

  private constructor(options: HostRegistrationOptions) {
    this.#options = options;
    this.#client = createClient({
      url: options.redisUrl,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        reconnectStrategy: (retries: number) =>
          Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(retries, 16)),
      },
    });
    this.#client.on('error', (error: unknown) => {
      this.#failures++;
      if (this.#failures <= 3 || this.#failures % 20 === 0) {
        options.logger.warn({ err: error, failures: this.#failures }, 'registration: redis unreachable');
      }
    });
    this.#client.on('ready', () => {
      this.#failures = 0;
      void this.#beat();
    });
    this.#timer = setInterval(() => void this.#beat(), SFU_HOST_REGISTER_EVERY_MS);
    this.#timer.unref();
  }

  /** Starts registering (in the background: Redis may come later). */
  static start(options: HostRegistrationOptions): HostRegistration {
    const registration = new HostRegistration(options);
    registration.#client.connect().catch((error: unknown) => {
      options.logger.warn({ err: error }, 'registration: could not connect to redis');
    });
    return registration;
  }

  /** The record written now (for tests and logs). */
  record(): SfuHostRecord {
    const { hostId, instance, load, now } = this.#options;
    return { id: hostId, instance, load: load(), at: (now ?? Date.now)() };
  }

  async #beat(): Promise<void> {
    if (this.#closed || !this.#client.isReady) {
      return;
    }
    const record = this.record();
    await this.#client
      .multi()
      .set(sfuHostKey(record.id), JSON.stringify(record), { PX: SFU_HOST_RECORD_TTL_MS })
      .sAdd(SFU_HOSTS_KEY, record.id)
      .exec()
      .catch((error: unknown) => this.#options.logger.debug({ err: error }, 'registration not written'));
  }

  /** Stops registering and removes the record (signaling sees the host go at once). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#client.isReady) {
      await this.#client
        .multi()
        .del(sfuHostKey(this.#options.hostId))
        .sRem(SFU_HOSTS_KEY, this.#options.hostId)
        .exec()
        .catch(() => undefined);
      await this.#client.close().catch(() => undefined);
    } else if (this.#client.isOpen) {
      this.#client.destroy();
    }
  }
}
