import type { MlsMemberKeyPackage } from '@confidentiel/protocol';
import type { RedisClientType } from 'redis';
import { LuaScript } from '../redis/LuaScript.ts';
import {
  checkEpoch,
  checkKeyPackage,
  MAX_WAITING_KEY_PACKAGES,
  MLS_STATE_TTL_MS,
  type MlsCommitOutcome,
  type MlsDeliveryStore,
  type MlsJoinOutcome,
} from './MlsDeliveryStore.ts';

/*
 * Every script takes KEYS[1] the epoch, KEYS[2] the key packages (a hash),
 * KEYS[3] who is in the group (a set). Epochs are compared as Redis strings
 * and moved on with INCR, never through Lua numbers (doubles printed with 14
 * digits): both sides write them in canonical decimal.
 */

/** ARGV: member, key package, TTL (ms), most key packages handed out. Answers {create(0|1), epoch, id, kp, id, kp…}. */
const JOIN = new LuaScript(`
local member = ARGV[1]
redis.call('HSET', KEYS[2], member, ARGV[2])
redis.call('SREM', KEYS[3], member)
local epoch = redis.call('GET', KEYS[1])
local result
if epoch and redis.call('SCARD', KEYS[3]) > 0 then
  result = {0, epoch}
else
  redis.call('SET', KEYS[1], '0')
  redis.call('SADD', KEYS[3], member)
  result = {1, '0'}
  local all = redis.call('HGETALL', KEYS[2])
  local max = tonumber(ARGV[4])
  local n = 0
  for i = 1, #all, 2 do
    if all[i] ~= member and n < max then
      result[#result + 1] = all[i]
      result[#result + 1] = all[i + 1]
      n = n + 1
    end
  end
end
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return result
`);

/** ARGV: epoch, TTL (ms), then who to count in the group (committer, added…). Answers {-1} | {0, current} | {1, next}. */
const COMMIT = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1}
end
if current ~= ARGV[1] then
  return {0, current}
end
local nextEpoch = redis.call('INCR', KEYS[1])
redis.call('SADD', KEYS[3], unpack(ARGV, 3))
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return {1, nextEpoch}
`);

/** ARGV: member. Answers 1 when the group was reset (its last counted member left). */
const MEMBER_LEFT = new LuaScript(`
redis.call('HDEL', KEYS[2], ARGV[1])
local removed = redis.call('SREM', KEYS[3], ARGV[1])
if removed == 1 and redis.call('SCARD', KEYS[3]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
`);

/**
 * The Delivery Service's state in Redis, shared by every signaling node:
 * `mls:{<roomId>}:epoch` (absent: no group), `:kp` (member -> key package),
 * `:group` (who is counted in it). Each operation is one Lua script, so the
 * epoch's compare-and-set is atomic whatever node runs it. The braces keep a
 * room's keys in one slot (a script must touch one slot in a Redis Cluster).
 */
export class RedisMlsDeliveryStore implements MlsDeliveryStore {
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: { client: RedisClientType; keyPrefix?: string; ttlMs?: number }) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
    this.#ttlMs = options.ttlMs ?? MLS_STATE_TTL_MS;
  }

  #keys(roomId: string): [string, string, string] {
    const base = `${this.#prefix}mls:{${roomId}}`;
    return [`${base}:epoch`, `${base}:kp`, `${base}:group`];
  }

  async join(roomId: string, memberId: string, keyPackage: string): Promise<MlsJoinOutcome> {
    checkKeyPackage(keyPackage);
    const reply = asArray(
      await JOIN.run(this.#client, this.#keys(roomId), [
        memberId,
        keyPackage,
        String(this.#ttlMs),
        String(MAX_WAITING_KEY_PACKAGES),
      ]),
    );
    if (reply[0] !== 1) {
      return { create: false, epoch: asEpoch(reply[1]), keyPackages: [] };
    }
    const keyPackages: MlsMemberKeyPackage[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      keyPackages.push({ memberId: String(reply[i]), keyPackage: String(reply[i + 1]) });
    }
    return { create: true, epoch: 0, keyPackages };
  }

  async commit(
    roomId: string,
    memberId: string,
    epoch: number,
    added: readonly string[],
  ): Promise<MlsCommitOutcome> {
    checkEpoch(epoch);
    const reply = asArray(
      await COMMIT.run(this.#client, this.#keys(roomId), [
        String(epoch),
        String(this.#ttlMs),
        memberId,
        ...added,
      ]),
    );
    switch (reply[0]) {
      case 1:
        return { kind: 'accepted', epoch: asEpoch(reply[1]) };
      case 0:
        return { kind: 'stale', epoch: asEpoch(reply[1]) };
      default:
        return { kind: 'no-group' };
    }
  }

  async memberLeft(roomId: string, memberId: string): Promise<{ reset: boolean }> {
    const reply = await MEMBER_LEFT.run(this.#client, this.#keys(roomId), [memberId]);
    return { reset: reply === 1 };
  }

  async forget(roomId: string): Promise<void> {
    await this.#client.del(this.#keys(roomId));
  }
}

function asArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) {
    throw new TypeError('unexpected reply from an MLS script');
  }
  return reply as unknown[];
}

function asEpoch(value: unknown): number {
  const epoch = typeof value === 'number' ? value : Number(value);
  checkEpoch(epoch);
  return epoch;
}
