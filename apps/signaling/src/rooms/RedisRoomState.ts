import {
  lobbyEntrySchema,
  memberInfoSchema,
  memberRoleSchema,
  producerInfoSchema,
  type LobbyEntry,
  type MemberInfo,
  type MemberRole,
  type ProducerInfo,
} from '@confidentiel/protocol';
import type { RedisClientType } from 'redis';
import { LuaScript } from '../redis/LuaScript.ts';
import type { RoomSnapshot } from './RoomSnapshot.ts';
import { isHostRole, SENDER_INDEXES, type RoomState } from './RoomState.ts';
import { StaleOwnerError } from './StaleOwnerError.ts';

/**
 * Room keys expire this long after the room's last write: what a node that
 * died left behind does not stay in Redis for ever (it keeps nothing on disk
 * and never evicts). A live room writes far more often (every arrival,
 * departure, producer, pause).
 */
export const ROOM_STATE_TTL_MS = 24 * 60 * 60 * 1000;

export interface RedisRoomStateOptions {
  client: RedisClientType;
  /** Put before every key (several deployments sharing one Redis); none by default. */
  keyPrefix?: string;
  /**
   * This node's fence for a meeting it owns (its lease's), undefined when it
   * owns none. When given, every write checks it against the meeting's fence
   * key in the same atomic step, and a stale owner's write throws
   * StaleOwnerError having written nothing. Absent: no check (one node).
   */
  fence?: (roomId: string) => string | undefined;
  /** See ROOM_STATE_TTL_MS. */
  ttlMs?: number;
}

/**
 * The Redis keys of one room, in the order every script gets them (KEYS[1..7]).
 * `prefix` + `meeting:<id>:fence` is the lease's key (cluster/MeetingLeases.ts).
 */
export function roomKeys(prefix: string, roomId: string): string[] {
  const room = `${prefix}room:${roomId}`;
  return [
    `${prefix}meeting:${roomId}:fence`,
    `${room}:members`, // hash memberId -> MemberInfo JSON (role as it entered)
    `${room}:roles`, // hash memberId -> current role
    `${room}:producers`, // hash producerId -> ProducerInfo JSON (paused as it was added)
    `${room}:paused`, // set of paused producerIds
    `${room}:waiting`, // hash memberId -> LobbyEntry JSON
    `${room}:meta`, // hash: locked = 1, nextSenderIndex = counter
  ];
}

/**
 * What every write script starts with. ARGV[1] '1': check the fence, ARGV[2]
 * the writer's fence, ARGV[3] the keys' TTL in ms; the operation's own
 * arguments follow from ARGV[4].
 */
const PRELUDE = `
if ARGV[1] == '1' then
  local fence = redis.call('GET', KEYS[1])
  if not fence then
    return redis.error_reply('NO_FENCE Redis holds no fence for the meeting')
  end
  if fence ~= ARGV[2] then
    return redis.error_reply('STALE_OWNER the meeting has another owner')
  end
end
local function touch()
  for i = 2, 7 do
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
local function dropIfEmpty()
  if redis.call('HLEN', KEYS[2]) == 0 and redis.call('HLEN', KEYS[6]) == 0 then
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  else
    touch()
  end
end
`;

const script = (body: string): LuaScript => new LuaScript(PRELUDE + body);

const ADD_MEMBER = script(`
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[6])
touch()
return 1
`);

const NEXT_SENDER_INDEX = script(`
local n = redis.call('HINCRBY', KEYS[7], 'nextSenderIndex', 1)
touch()
return n
`);

/** Returns the removed producers as [json, paused ('1'/'0')] pairs, flat. */
const REMOVE_MEMBER = script(`
redis.call('HDEL', KEYS[2], ARGV[4])
redis.call('HDEL', KEYS[3], ARGV[4])
local removed = {}
local all = redis.call('HGETALL', KEYS[4])
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).memberId == ARGV[4] then
    redis.call('HDEL', KEYS[4], all[i])
    removed[#removed + 1] = all[i + 1]
    removed[#removed + 1] = tostring(redis.call('SREM', KEYS[5], all[i]))
  end
end
dropIfEmpty()
return removed
`);

const ADD_PRODUCER = script(`
redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
if ARGV[6] == '1' then
  redis.call('SADD', KEYS[5], ARGV[4])
else
  redis.call('SREM', KEYS[5], ARGV[4])
end
touch()
return 1
`);

const REMOVE_PRODUCER = script(`
local json = redis.call('HGET', KEYS[4], ARGV[4])
if not json then
  return false
end
redis.call('HDEL', KEYS[4], ARGV[4])
local paused = redis.call('SREM', KEYS[5], ARGV[4])
touch()
return {json, tostring(paused)}
`);

const SET_PRODUCER_PAUSED = script(`
local json = redis.call('HGET', KEYS[4], ARGV[4])
if not json then
  return false
end
if ARGV[5] == '1' then
  redis.call('SADD', KEYS[5], ARGV[4])
else
  redis.call('SREM', KEYS[5], ARGV[4])
end
touch()
return json
`);

const SET_ROLE = script(`
local json = redis.call('HGET', KEYS[2], ARGV[4])
if not json then
  return false
end
redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
touch()
return json
`);

const ADD_WAITING = script(`
redis.call('HSET', KEYS[6], ARGV[4], ARGV[5])
touch()
return 1
`);

const REMOVE_WAITING = script(`
local json = redis.call('HGET', KEYS[6], ARGV[4])
if not json then
  return false
end
redis.call('HDEL', KEYS[6], ARGV[4])
dropIfEmpty()
return json
`);

const SET_LOCKED = script(`
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[7], 'locked', '1')
else
  redis.call('HDEL', KEYS[7], 'locked')
end
touch()
return 1
`);

/** Returns {members hash, roles hash} as flat field/value lists. */
const CLEAR_ROOM = script(`
local members = redis.call('HGETALL', KEYS[2])
local roles = redis.call('HGETALL', KEYS[3])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return {members, roles}
`);

/**
 * Replaces the whole room by ARGV[4], a JSON snapshot whose members, producers
 * and lobby entries are JSON strings already (as the other scripts store them),
 * with ARGV[5] the next sender index. An empty room is simply forgotten.
 */
const RESTORE_ROOM = script(`
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
local room = cjson.decode(ARGV[4])
for _, m in ipairs(room.members) do
  redis.call('HSET', KEYS[2], m[1], m[2])
  redis.call('HSET', KEYS[3], m[1], m[3])
end
for _, p in ipairs(room.producers) do
  redis.call('HSET', KEYS[4], p[1], p[2])
  if p[3] == '1' then
    redis.call('SADD', KEYS[5], p[1])
  end
end
for _, w in ipairs(room.waiting) do
  redis.call('HSET', KEYS[6], w[1], w[2])
end
if #room.members == 0 and #room.waiting == 0 then
  return 0
end
if room.locked then
  redis.call('HSET', KEYS[7], 'locked', '1')
end
redis.call('HSET', KEYS[7], 'nextSenderIndex', ARGV[5])
touch()
return 1
`);

const flag = (value: boolean): string => (value ? '1' : '0');

function parseMember(json: string, role: string | undefined): MemberInfo {
  const member = memberInfoSchema.parse(JSON.parse(json));
  return role === undefined ? member : { ...member, role: memberRoleSchema.parse(role) };
}

function parseProducer(json: string, paused: boolean): ProducerInfo {
  return { ...producerInfoSchema.parse(JSON.parse(json)), paused };
}

function parseWaiting(json: string): LobbyEntry {
  return lobbyEntrySchema.parse(JSON.parse(json));
}

/** A flat [field, value, field, value, …] reply as pairs. */
function pairs(flat: unknown): Array<[string, string]> {
  const list = flat as string[];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    out.push([list[i]!, list[i + 1]!]);
  }
  return out;
}

const byArrival = <T extends { memberId: string }>(at: (item: T) => number) => {
  return (a: T, b: T): number => at(a) - at(b) || (a.memberId < b.memberId ? -1 : 1);
};

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Rooms in Redis, for several signaling nodes: hashes per room (see
 * roomKeys). Every write is one Lua script, atomic with its fence check and
 * with the room's "forget when empty" rule; reads are one command or one
 * MULTI. Members and the lobby come back in order of arrival.
 */
export class RedisRoomState implements RoomState {
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #fence: ((roomId: string) => string | undefined) | undefined;
  readonly #ttlMs: number;

  constructor(options: RedisRoomStateOptions) {
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? '';
    this.#fence = options.fence;
    this.#ttlMs = options.ttlMs ?? ROOM_STATE_TTL_MS;
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 1) {
      throw new TypeError('ttlMs must be a positive integer');
    }
  }

  #keys(roomId: string): string[] {
    return roomKeys(this.#prefix, roomId);
  }

  async #write(roomId: string, lua: LuaScript, args: string[]): Promise<unknown> {
    let check = '0';
    let fence = '';
    if (this.#fence) {
      const held = this.#fence(roomId);
      if (held === undefined) {
        throw StaleOwnerError.noLease(roomId);
      }
      check = '1';
      fence = held;
    }
    try {
      return await lua.run(this.#client, this.#keys(roomId), [check, fence, String(this.#ttlMs), ...args]);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('STALE_OWNER')) {
        throw StaleOwnerError.fenceMoved(roomId, error);
      }
      if (error instanceof Error && error.message.startsWith('NO_FENCE')) {
        throw StaleOwnerError.fenceMissing(roomId, error);
      }
      throw error;
    }
  }

  async addMember(roomId: string, member: MemberInfo): Promise<void> {
    await this.#write(roomId, ADD_MEMBER, [member.memberId, JSON.stringify(member), member.role]);
  }

  async nextSenderIndex(roomId: string): Promise<number> {
    const n = Number(await this.#write(roomId, NEXT_SENDER_INDEX, []));
    return (n - 1) % SENDER_INDEXES;
  }

  async removeMember(roomId: string, memberId: string): Promise<ProducerInfo[]> {
    const removed = pairs(await this.#write(roomId, REMOVE_MEMBER, [memberId]));
    return removed.map(([json, paused]) => parseProducer(json, paused === '1'));
  }

  async members(roomId: string): Promise<MemberInfo[]> {
    const [, membersKey, rolesKey] = this.#keys(roomId);
    const [members, roles] = (await this.#client
      .multi()
      .hGetAll(membersKey!)
      .hGetAll(rolesKey!)
      .exec()) as unknown as [Record<string, string>, Record<string, string>];
    return Object.entries(members)
      .map(([memberId, json]) => parseMember(json, roles[memberId]))
      .sort(byArrival((m) => m.joinedAt));
  }

  async hasMember(roomId: string, memberId: string): Promise<boolean> {
    return (await this.#client.hExists(this.#keys(roomId)[1]!, memberId)) === 1;
  }

  async addProducer(roomId: string, producer: ProducerInfo): Promise<void> {
    await this.#write(roomId, ADD_PRODUCER, [
      producer.producerId,
      JSON.stringify(producer),
      flag(producer.paused),
    ]);
  }

  async removeProducer(roomId: string, producerId: string): Promise<ProducerInfo | undefined> {
    const reply = (await this.#write(roomId, REMOVE_PRODUCER, [producerId])) as [string, string] | null;
    return reply === null ? undefined : parseProducer(reply[0], reply[1] === '1');
  }

  async setProducerPaused(
    roomId: string,
    producerId: string,
    paused: boolean,
  ): Promise<ProducerInfo | undefined> {
    const json = (await this.#write(roomId, SET_PRODUCER_PAUSED, [producerId, flag(paused)])) as
      string | null;
    return json === null ? undefined : parseProducer(json, paused);
  }

  async producers(roomId: string): Promise<ProducerInfo[]> {
    const [, , , producersKey, pausedKey] = this.#keys(roomId);
    const [producers, paused] = (await this.#client
      .multi()
      .hGetAll(producersKey!)
      .sMembers(pausedKey!)
      .exec()) as unknown as [Record<string, string>, string[]];
    const pausedIds = new Set(paused);
    return Object.entries(producers).map(([producerId, json]) =>
      parseProducer(json, pausedIds.has(producerId)),
    );
  }

  async setRole(roomId: string, memberId: string, role: MemberRole): Promise<MemberInfo | undefined> {
    const json = (await this.#write(roomId, SET_ROLE, [memberId, role])) as string | null;
    return json === null ? undefined : parseMember(json, role);
  }

  async hasHost(roomId: string): Promise<boolean> {
    const roles = await this.#client.hVals(this.#keys(roomId)[2]!);
    return roles.some((role) => isHostRole(memberRoleSchema.parse(role)));
  }

  async addWaiting(roomId: string, entry: LobbyEntry): Promise<void> {
    await this.#write(roomId, ADD_WAITING, [entry.memberId, JSON.stringify(entry)]);
  }

  async removeWaiting(roomId: string, memberId: string): Promise<LobbyEntry | undefined> {
    const json = (await this.#write(roomId, REMOVE_WAITING, [memberId])) as string | null;
    return json === null ? undefined : parseWaiting(json);
  }

  async waiting(roomId: string): Promise<LobbyEntry[]> {
    const entries = await this.#client.hVals(this.#keys(roomId)[5]!);
    return entries.map(parseWaiting).sort(byArrival((w) => w.waitingSince));
  }

  async isLocked(roomId: string): Promise<boolean> {
    return (await this.#client.hGet(this.#keys(roomId)[6]!, 'locked')) === '1';
  }

  async setLocked(roomId: string, locked: boolean): Promise<void> {
    await this.#write(roomId, SET_LOCKED, [flag(locked)]);
  }

  async clearRoom(roomId: string): Promise<MemberInfo[]> {
    const [members, roles] = (await this.#write(roomId, CLEAR_ROOM, [])) as [unknown, unknown];
    const currentRoles = new Map(pairs(roles));
    return pairs(members)
      .map(([memberId, json]) => parseMember(json, currentRoles.get(memberId)))
      .sort(byArrival((m) => m.joinedAt));
  }

  /** The whole room, read in one MULTI (an empty one when Redis holds nothing of it). */
  async snapshot(roomId: string): Promise<RoomSnapshot> {
    const [, membersKey, rolesKey, producersKey, pausedKey, waitingKey, metaKey] = this.#keys(roomId);
    const [members, roles, producers, paused, waiting, meta] = (await this.#client
      .multi()
      .hGetAll(membersKey!)
      .hGetAll(rolesKey!)
      .hGetAll(producersKey!)
      .sMembers(pausedKey!)
      .hVals(waitingKey!)
      .hGetAll(metaKey!)
      .exec()) as unknown as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      string[],
      string[],
      Record<string, string>,
    ];
    const pausedIds = new Set(paused);
    return {
      members: Object.entries(members)
        .map(([memberId, json]) => parseMember(json, roles[memberId]))
        .sort(byArrival((m) => m.joinedAt)),
      producers: Object.entries(producers).map(([producerId, json]) =>
        parseProducer(json, pausedIds.has(producerId)),
      ),
      waiting: waiting.map(parseWaiting).sort(byArrival((w) => w.waitingSince)),
      locked: meta['locked'] === '1',
      nextSenderIndex: Number(meta['nextSenderIndex'] ?? 0) % SENDER_INDEXES,
    };
  }

  /**
   * Replaces the whole room by `snapshot`, atomically and fenced like every
   * write (the owner writing its meeting back after Redis restarted empty).
   */
  async restore(roomId: string, snapshot: RoomSnapshot): Promise<void> {
    const room = {
      members: snapshot.members.map((m) => [m.memberId, JSON.stringify(m), m.role]),
      producers: snapshot.producers.map((p) => [p.producerId, JSON.stringify(p), flag(p.paused)]),
      waiting: snapshot.waiting.map((w) => [w.memberId, JSON.stringify(w)]),
      locked: snapshot.locked,
    };
    await this.#write(roomId, RESTORE_ROOM, [JSON.stringify(room), String(snapshot.nextSenderIndex)]);
  }

  async roomCount(): Promise<number> {
    const rooms = new Set<string>();
    for (const [roomId] of await this.#scanRooms()) {
      rooms.add(roomId);
    }
    return rooms.size;
  }

  async memberCount(): Promise<number> {
    const memberKeys = [...(await this.#scanRooms())]
      .filter(([, kind]) => kind === 'members')
      .map(([roomId]) => this.#keys(roomId)[1]!);
    const sizes = await Promise.all(memberKeys.map((key) => this.#client.hLen(key)));
    return sizes.reduce((sum, n) => sum + n, 0);
  }

  /** Every room with members or a lobby, by SCAN (a metric: no index to keep right). */
  async #scanRooms(): Promise<Set<[roomId: string, kind: 'members' | 'waiting']>> {
    const start = `${this.#prefix}room:`;
    const found = new Map<string, [string, 'members' | 'waiting']>();
    for await (const keys of this.#client.scanIterator({ MATCH: `${escapeGlob(start)}*`, COUNT: 500 })) {
      for (const key of keys) {
        for (const kind of ['members', 'waiting'] as const) {
          if (key.endsWith(`:${kind}`)) {
            found.set(key, [key.slice(start.length, -(kind.length + 1)), kind]);
          }
        }
      }
    }
    return new Set(found.values());
  }
}
