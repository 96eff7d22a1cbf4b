import type { RedisClientType } from 'redis';
import { LuaScript } from '../redis/LuaScript.ts';
import type { MeetingPlacement, MeetingPlacements } from './MeetingPlacements.ts';

/** Placements expire this long after a meeting's last write (what a dead node left does not stay). */
export const PLACEMENT_TTL_MS = 24 * 60 * 60 * 1000;

const PREFIX = 'confidentiel:sfu:';
/** Hash per meeting: `primary` -> host, `h:<host>` -> 1, `m:<member>` -> host, `p:<producer>` -> host. */
const meetingKey = (roomId: string): string => `${PREFIX}meeting:${roomId}`;
/** Set per host: the meetings with a room there. */
const roomsKey = (hostId: string): string => `${PREFIX}host-rooms:${hostId}`;

/** KEYS[1] meeting, KEYS[2] rooms of ARGV[2]; ARGV[1] ttl. Adds the host to the meeting and its index. */
const ADD_HOST = `
local function addHost(host, roomsKey)
  redis.call('HSET', KEYS[1], 'h:' .. host, '1')
  redis.call('SADD', roomsKey, ARGV[3])
  redis.call('PEXPIRE', roomsKey, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
`;

/** KEYS: meeting, rooms of host. ARGV: ttl, host, roomId. The first placement wins (SET NX). */
const PLACE = new LuaScript(`${ADD_HOST}
if redis.call('HSETNX', KEYS[1], 'primary', ARGV[2]) == 1 then
  addHost(ARGV[2], KEYS[2])
end
return redis.call('HGET', KEYS[1], 'primary')
`);

/** KEYS: meeting, rooms of `to`. ARGV: ttl, to, roomId, from. Moves only if still on `from`. */
const MOVE = new LuaScript(`${ADD_HOST}
local current = redis.call('HGET', KEYS[1], 'primary')
if current == false or current == ARGV[4] then
  redis.call('HSET', KEYS[1], 'primary', ARGV[2])
  addHost(ARGV[2], KEYS[2])
end
return redis.call('HGET', KEYS[1], 'primary')
`);

/** KEYS: meeting, rooms of host. ARGV: ttl, host, roomId, member. The member's first host wins. */
const ASSIGN = new LuaScript(`${ADD_HOST}
if redis.call('HSETNX', KEYS[1], 'm:' .. ARGV[4], ARGV[2]) == 1 then
  addHost(ARGV[2], KEYS[2])
end
return redis.call('HGET', KEYS[1], 'm:' .. ARGV[4])
`);

/** KEYS: meeting, rooms of host. ARGV: host, roomId. Forgets the host and what was on it. */
const REMOVE_HOST = new LuaScript(`
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local field, value = fields[i], fields[i + 1]
  if (string.sub(field, 1, 2) == 'm:' or string.sub(field, 1, 2) == 'p:') and value == ARGV[1] then
    redis.call('HDEL', KEYS[1], field)
  end
end
redis.call('HDEL', KEYS[1], 'h:' .. ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);

/**
 * Placements in Redis, shared by every signaling node: two nodes placing one
 * meeting (or one member) at once agree on the first one's choice.
 */
export class RedisMeetingPlacements implements MeetingPlacements {
  readonly #redis: RedisClientType;
  readonly #ttl: string;

  constructor(options: { redis: RedisClientType; ttlMs?: number }) {
    this.#redis = options.redis;
    this.#ttl = String(options.ttlMs ?? PLACEMENT_TTL_MS);
  }

  async get(roomId: string): Promise<MeetingPlacement> {
    const fields = await this.#redis.hGetAll(meetingKey(roomId));
    const placement: MeetingPlacement = {
      primary: fields.primary,
      hosts: new Set(),
      members: new Map(),
      producers: new Map(),
    };
    for (const [field, value] of Object.entries(fields)) {
      const id = field.slice(2);
      if (field.startsWith('h:')) {
        placement.hosts.add(id);
      } else if (field.startsWith('m:')) {
        placement.members.set(id, value);
      } else if (field.startsWith('p:')) {
        placement.producers.set(id, value);
      }
    }
    return placement;
  }

  async place(roomId: string, hostId: string): Promise<string> {
    return String(
      await PLACE.run(this.#redis, [meetingKey(roomId), roomsKey(hostId)], [this.#ttl, hostId, roomId]),
    );
  }

  async move(roomId: string, from: string, to: string): Promise<string> {
    return String(
      await MOVE.run(this.#redis, [meetingKey(roomId), roomsKey(to)], [this.#ttl, to, roomId, from]),
    );
  }

  async memberHost(roomId: string, memberId: string): Promise<string | undefined> {
    return (await this.#redis.hGet(meetingKey(roomId), `m:${memberId}`)) ?? undefined;
  }

  async assignMember(roomId: string, memberId: string, hostId: string): Promise<string> {
    return String(
      await ASSIGN.run(
        this.#redis,
        [meetingKey(roomId), roomsKey(hostId)],
        [this.#ttl, hostId, roomId, memberId],
      ),
    );
  }

  async unassignMember(roomId: string, memberId: string): Promise<void> {
    await this.#redis.hDel(meetingKey(roomId), `m:${memberId}`);
  }

  async producerHost(roomId: string, producerId: string): Promise<string | undefined> {
    return (await this.#redis.hGet(meetingKey(roomId), `p:${producerId}`)) ?? undefined;
  }

  async addProducer(roomId: string, producerId: string, hostId: string): Promise<void> {
    await this.#redis
      .multi()
      .hSet(meetingKey(roomId), `p:${producerId}`, hostId)
      .pExpire(meetingKey(roomId), Number(this.#ttl))
      .exec();
  }

  async removeProducer(roomId: string, producerId: string): Promise<void> {
    await this.#redis.hDel(meetingKey(roomId), `p:${producerId}`);
  }

  async removeHost(roomId: string, hostId: string): Promise<void> {
    await REMOVE_HOST.run(this.#redis, [meetingKey(roomId), roomsKey(hostId)], [hostId, roomId]);
  }

  async roomsOn(hostId: string): Promise<string[]> {
    return this.#redis.sMembers(roomsKey(hostId));
  }

  async forget(roomId: string): Promise<void> {
    const { hosts } = await this.get(roomId);
    const multi = this.#redis.multi().del(meetingKey(roomId));
    for (const hostId of hosts) {
      multi.sRem(roomsKey(hostId), roomId);
    }
    await multi.exec();
  }
}
