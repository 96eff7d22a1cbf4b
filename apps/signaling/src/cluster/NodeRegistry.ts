import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { RECONNECT_MAX_MS } from '../redis/connectRedis.ts';

/** A node is alive while its key lives; renewed this often... */
export const HEARTBEAT_EVERY_MS = 1_000;
/** ...and gone this long after its last heartbeat. */
export const NODE_TTL_MS = 3_000;

export const nodeKey = (nodeId: string): string => `confidentiel:node-alive:${nodeId}`;

/**
 * After this node's connection to Redis comes back, for this long a node
 * without a heartbeat key is not taken for dead: Redis may have restarted
 * empty, and the other nodes need the time to reconnect (at most
 * RECONNECT_MAX_MS apart) and beat again.
 */
export const HEARTBEAT_GRACE_MS = RECONNECT_MAX_MS + NODE_TTL_MS;

/** Which signaling nodes are alive (an owner needs to know when a member's socket's node died). */
export interface NodeRegistry {
  readonly nodeId: string;
  isAlive(nodeId: string): Promise<boolean>;
  close(): Promise<void>;
}

export class LocalNodeRegistry implements NodeRegistry {
  readonly nodeId: string;

  constructor(nodeId = 'local') {
    this.nodeId = nodeId;
  }

  isAlive(nodeId: string): Promise<boolean> {
    return Promise.resolve(nodeId === this.nodeId);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Heartbeats in Redis: `SET key 1 PX ttl` every second; a node that stops is gone after the TTL. */
export class RedisNodeRegistry implements NodeRegistry {
  readonly nodeId: string;
  readonly #redis: RedisClientType;
  readonly #logger: Logger;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #graceMs: number;
  #graceUntil = 0;
  #closed = false;

  constructor(options: { redis: RedisClientType; nodeId: string; logger: Logger; graceMs?: number }) {
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#graceMs = options.graceMs ?? HEARTBEAT_GRACE_MS;
    this.#timer = setInterval(() => void this.#beat(), HEARTBEAT_EVERY_MS);
    this.#timer.unref();
    void this.#beat();
    // The client was ready before: a `ready` now is Redis back after an outage, maybe empty.
    this.#redis.on('ready', this.#onReconnected);
  }

  readonly #onReconnected = (): void => {
    this.#graceUntil = Date.now() + this.#graceMs;
    void this.#beat();
  };

  async isAlive(nodeId: string): Promise<boolean> {
    if (nodeId === this.nodeId) {
      return true;
    }
    try {
      const beating = (await this.#redis.exists(nodeKey(nodeId))) === 1;
      // Just after Redis came back, no heartbeat is no proof of death.
      return beating || Date.now() < this.#graceUntil;
    } catch {
      // Redis unreachable: no node can be declared dead meanwhile.
      return true;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    this.#redis.off('ready', this.#onReconnected);
    await this.#redis.del(nodeKey(this.nodeId)).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    if (this.#closed) {
      return;
    }
    await this.#redis
      .set(nodeKey(this.nodeId), '1', { PX: NODE_TTL_MS })
      .catch((error: unknown) => this.#logger.debug({ err: error }, 'heartbeat not written'));
  }
}
