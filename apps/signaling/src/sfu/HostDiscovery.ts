import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { TypedEmitter } from '@confidentiel/events';
import {
  SFU_HOST_REGISTER_EVERY_MS,
  SFU_HOSTS_KEY,
  sfuHostKey,
  sfuHostRecordSchema,
  type SfuHostRecord,
} from '@confidentiel/protocol';

/** A host id whose record has been gone this long leaves the set of registered hosts. */
export const FORGET_UNREGISTERED_MS = 60_000;

export type HostDiscoveryEvents = {
  /** The hosts registered now (records alive), by id. */
  seen: [Map<string, SfuHostRecord>];
};

/**
 * The SFU hosts that registered themselves in Redis (see the SFU's
 * HostRegistration), read every SFU_HOST_REGISTER_EVERY_MS. A record that
 * does not parse is ignored (and logged). While Redis does not answer,
 * nothing is reported: the hosts known stay known.
 */
export class HostDiscovery extends TypedEmitter<HostDiscoveryEvents> {
  readonly #redis: RedisClientType;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #timer: ReturnType<typeof setInterval>;
  /** Ids in the set without a record, since when. */
  readonly #missingSince = new Map<string, number>();
  #polling = false;
  #closed = false;

  constructor(options: { redis: RedisClientType; logger: Logger; now?: () => number }) {
    super((error, event) => options.logger.error({ err: error, event }, 'discovery listener threw'));
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => void this.poll(), SFU_HOST_REGISTER_EVERY_MS);
    this.#timer.unref();
  }

  /** Reads the registrations now (the timer calls it; tests may too). */
  async poll(): Promise<void> {
    if (this.#closed || this.#polling || !this.#redis.isReady) {
      return;
    }
    this.#polling = true;
    try {
      const ids = await this.#redis.sMembers(SFU_HOSTS_KEY);
      const records = ids.length === 0 ? [] : await this.#redis.mGet(ids.map(sfuHostKey));
      const seen = new Map<string, SfuHostRecord>();
      const now = this.#now();
      for (const [i, id] of ids.entries()) {
        const raw = records[i];
        if (raw === null || raw === undefined) {
          await this.#missing(id, now);
          continue;
        }
        this.#missingSince.delete(id);
        const record = this.#parse(raw);
        if (record !== undefined && record.id === id) {
          seen.set(id, record);
        }
      }
      if (!this.#closed) {
        this.emit('seen', seen);
      }
    } catch (error) {
      this.#logger.debug({ err: error }, 'SFU registrations not read');
    } finally {
      this.#polling = false;
    }
  }

  async #missing(id: string, now: number): Promise<void> {
    const since = this.#missingSince.get(id) ?? now;
    this.#missingSince.set(id, since);
    if (now - since >= FORGET_UNREGISTERED_MS) {
      this.#missingSince.delete(id);
      await this.#redis.sRem(SFU_HOSTS_KEY, id);
    }
  }

  #parse(raw: string): SfuHostRecord | undefined {
    try {
      const parsed = sfuHostRecordSchema.safeParse(JSON.parse(raw));
      if (parsed.success) {
        return parsed.data;
      }
    } catch {
      // Not JSON: reported below.
    }
    this.#logger.warn('an SFU registration in Redis does not parse; ignored');
    return undefined;
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    this.removeAllListeners();
  }
}
