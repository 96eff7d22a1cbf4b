import type { RedisClientType } from 'redis';
import type { RevocationKind, Revocations } from './Revocations.ts';

/**
 * Revocations in Redis: `revoked:<kind>:<value>` = 1, expiring at the time
 * given (PXAT), so Redis forgets them by itself. A second revocation keeps
 * the later time: the key is made if absent, and its expiry only ever moves
 * later (PEXPIREAT … GT, Redis 7), in one MULTI.
 */
export class RedisRevocations implements Revocations {
  readonly #client: RedisClientType;
  readonly #prefix: string;

  constructor(options: { client: RedisClientType; keyPrefix?: string }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
  }

  #key(kind: RevocationKind, value: string): string {
    return `${this.#prefix}revoked:${kind}:${value}`;
  }

  async revoke(kind: RevocationKind, value: string, untilMs: number): Promise<void> {
    const key = this.#key(kind, value);
    const at = Math.ceil(untilMs);
    await this.#client
      .multi()
      .set(key, '1', { expiration: { type: 'PXAT', value: at }, condition: 'NX' })
      .pExpireAt(key, at, 'GT')
      .exec();
  }

  async isRevoked(kind: RevocationKind, value: string): Promise<boolean> {
    return (await this.#client.exists(this.#key(kind, value))) === 1;
  }
}
