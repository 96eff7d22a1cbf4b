import type { RedisClientType } from 'redis';
import { LuaScript } from '../redis/LuaScript.ts';
import type { Admissions } from './Admissions.ts';

/**
 * The longest an admission lasts in Redis, even for a member still in the
 * room: a node that dies never says its members left, and Redis keeps nothing
 * on disk and never evicts. A member in one meeting for longer enters again.
 */
export const MAX_ADMISSION_MS = 24 * 60 * 60 * 1000;

/** KEYS[1] the member's admission; ARGV[1] room, ARGV[2] until (ms). Only ever shortens it. */
const LEFT = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'LT')
end
return 1
`);

/** KEYS[1] the member's admission; ARGV[1] room. */
const WITHDRAWN = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
`);

/**
 * Admissions in Redis: `admission:<memberId>` = the room it was let into;
 * it expires when the grace after leaving ends (PEXPIREAT … LT, Redis 7), or
 * after MAX_ADMISSION_MS at most. Departures and withdrawals check the room
 * in the same Lua step, so one named with another room changes nothing.
 */
export class RedisAdmissions implements Admissions {
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #maxMs: number;

  constructor(options: { client: RedisClientType; keyPrefix?: string; maxAdmissionMs?: number }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
    this.#maxMs = options.maxAdmissionMs ?? MAX_ADMISSION_MS;
  }

  #key(memberId: string): string {
    return `${this.#prefix}admission:${memberId}`;
  }

  async entered(roomId: string, memberId: string): Promise<void> {
    await this.#client.set(this.#key(memberId), roomId, { expiration: { type: 'PX', value: this.#maxMs } });
  }

  async left(roomId: string, memberId: string, untilMs: number): Promise<void> {
    await LEFT.run(this.#client, [this.#key(memberId)], [roomId, String(Math.ceil(untilMs))]);
  }

  async withdrawn(roomId: string, memberId: string): Promise<void> {
    await WITHDRAWN.run(this.#client, [this.#key(memberId)], [roomId]);
  }

  async isAdmitted(roomId: string, memberId: string): Promise<boolean> {
    return (await this.#client.get(this.#key(memberId))) === roomId;
  }
}
