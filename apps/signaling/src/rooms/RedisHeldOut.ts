import type { RedisClientType } from 'redis';
import type { HeldOut } from './HeldOut.ts';

/**
 * Held-out members in Redis: `heldout:<roomId>:<memberId>` = 1, expiring at
 * the time given (PXAT), so Redis forgets a mark never released by itself.
 */
export class RedisHeldOut implements HeldOut {
  readonly #client: RedisClientType;
  readonly #prefix: string;

  constructor(options: { client: RedisClientType; keyPrefix?: string }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
  }

  #key(roomId: string, memberId: string): string {
    return `${this.#prefix}heldout:${roomId}:${memberId}`;
  }

  async hold(roomId: string, memberId: string, untilMs: number): Promise<void> {
    await this.#client.set(this.#key(roomId, memberId), '1', {
      expiration: { type: 'PXAT', value: Math.ceil(untilMs) },
    });
  }

  async release(roomId: string, memberId: string): Promise<void> {
    await this.#client.del(this.#key(roomId, memberId));
  }

  async isHeldOut(roomId: string, memberId: string): Promise<boolean> {
    return (await this.#client.exists(this.#key(roomId, memberId))) === 1;
  }
}
