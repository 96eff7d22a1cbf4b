import type { RedisClientType } from 'redis';
import { ENDED_MEETING_TTL_MS, type EndedMeetings, type EndedMeetingsOptions } from './EndedMeetings.ts';

/** Ended meetings in Redis: `ended:<roomId>` = 1, expiring after the TTL (PX). */
export class RedisEndedMeetings implements EndedMeetings {
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(
    options: { client: RedisClientType; keyPrefix?: string } & Pick<EndedMeetingsOptions, 'ttlMs'>,
  ) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
    this.#ttlMs = options.ttlMs ?? ENDED_MEETING_TTL_MS;
  }

  #key(roomId: string): string {
    return `${this.#prefix}ended:${roomId}`;
  }

  async end(roomId: string): Promise<void> {
    await this.#client.set(this.#key(roomId), '1', { expiration: { type: 'PX', value: this.#ttlMs } });
  }

  async reopen(roomId: string): Promise<void> {
    await this.#client.del(this.#key(roomId));
  }

  async isEnded(roomId: string): Promise<boolean> {
    return (await this.#client.exists(this.#key(roomId))) === 1;
  }
}
