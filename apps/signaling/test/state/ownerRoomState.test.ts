/**
 * The owner of a meeting keeps its room in memory and Redis is its replica
 * (ADR 0007): Redis away, frozen or restarted empty, the meeting goes on and
 * is written back whole; another owner's fence still refuses a stale write.
 * A real redis-server of this file's own (it is killed and restarted).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { RedisClientType } from 'redis';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { OwnerRoomState } from '../../src/rooms/OwnerRoomState.ts';
import { RedisRoomState, roomKeys } from '../../src/rooms/RedisRoomState.ts';
import type { RoomSnapshot } from '../../src/rooms/RoomSnapshot.ts';
import { StaleOwnerError } from '../../src/rooms/StaleOwnerError.ts';
import { waitFor } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import { guest, member, producer } from './support.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';
const silent = pino({ level: 'silent' });

let server: RedisServer;
let client: RedisClientType;
let prefixes = 0;
const owners: OwnerRoomState[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  client = await connectRedis({ url: server.url, logger: silent });
});

afterAll(async () => {
  await closeRedis(client);
  await server.stop();
});

afterEach(() => {
  for (const owner of owners.splice(0)) {
    owner.close();
  }
});

/** One node owning ROOM with `fence` (set in Redis as the current one), and a plain reader of Redis. */
async function node(options: { fence?: string; prefix?: string; writeBackEveryMs?: number } = {}) {
  const prefix = options.prefix ?? `owner-${++prefixes}:`;
  const [fenceKey] = roomKeys(prefix, ROOM);
  let fence: string | undefined = options.fence ?? '1';
  await client.set(fenceKey!, fence);
  const shared = new RedisRoomState({ client, keyPrefix: prefix, fence: () => fence });
  const owner = new OwnerRoomState({
    shared,
    fenceOf: () => fence,
    logger: silent,
    writeBackEveryMs: options.writeBackEveryMs ?? 100,
    redisWritePatienceMs: 300,
  });
  owners.push(owner);
  return {
    owner,
    prefix,
    fenceKey: fenceKey!,
    reader: new RedisRoomState({ client, keyPrefix: prefix }),
    /** This node's own view of its lease (what MeetingLeases.fenceOf answers). */
    setFence: (value: string | undefined) => {
      fence = value;
    },
  };
}

/** A room with a bit of everything: members with roles, producers (one paused), a lobby, a lock, sender indexes spent. */
async function furnish(state: OwnerRoomState): Promise<void> {
  await state.addMember(ROOM, member(1, 'host'));
  await state.addMember(ROOM, member(2));
  await state.addMember(ROOM, member(3));
  await state.setRole(ROOM, member(2).memberId, 'co-host');
  await state.addProducer(ROOM, producer(1, member(1).memberId, 'camera'));
  await state.addProducer(ROOM, producer(2, member(2).memberId, 'microphone', true));
  await state.addWaiting(ROOM, guest(1));
  await state.addWaiting(ROOM, guest(2));
  await state.setLocked(ROOM, true);
  await state.nextSenderIndex(ROOM);
  await state.nextSenderIndex(ROOM);
}

async function view(state: RedisRoomState | OwnerRoomState): Promise<Omit<RoomSnapshot, 'nextSenderIndex'>> {
  return {
    members: await state.members(ROOM),
    producers: (await state.producers(ROOM)).sort((a, b) => (a.producerId < b.producerId ? -1 : 1)),
    waiting: await state.waiting(ROOM),
    locked: await state.isLocked(ROOM),
  };
}

/** Everything of the room's keys but the fence, as Redis holds it. */
async function roomKeysIn(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}room:*`, COUNT: 100 })) {
    found.push(...keys);
  }
  return found.sort();
}

describe('OwnerRoomState', () => {
  it('writes through to Redis: another node reading Redis sees what the owner sees', async () => {
    const { owner, reader } = await node();
    await furnish(owner);
    expect(await view(reader)).toEqual(await view(owner));
    expect(owner.behind()).toEqual([]);
    // The next sender index continues in both.
    expect(await owner.nextSenderIndex(ROOM)).toBe(2);
    expect(await reader.nextSenderIndex(ROOM)).toBe(3);
  });

  it('writes the room back whole after Redis forgot it (restarted empty), then goes on writing through', async () => {
    const { owner, reader, prefix, fenceKey } = await node({ writeBackEveryMs: 60_000 });
    await furnish(owner);
    const before = await view(owner);
    // Redis restarted empty: every key of the room, the fence included, is gone.
    await client.del([...(await roomKeysIn(prefix)), fenceKey]);
    expect((await view(reader)).members).toEqual([]);
    // The owner still answers from memory.
    expect(await view(owner)).toEqual(before);
    // A write before the lease is re-established (no fence in Redis): applied here, Redis is behind.
    await owner.removeWaiting(ROOM, guest(2).memberId);
    expect(owner.behind()).toEqual([ROOM]);
    // The lease is re-established with this node's fence (MeetingLeases' `reestablished`): written back.
    await client.set(fenceKey, '1');
    await owner.writeBack(ROOM);
    expect(owner.behind()).toEqual([]);
    const after = { ...before, waiting: [guest(1)] };
    expect(await view(reader)).toEqual(after);
    expect(await reader.nextSenderIndex(ROOM)).toBe(2);
    await owner.setLocked(ROOM, false);
    expect(await reader.isLocked(ROOM)).toBe(false);
  });

  it('writes the room back by itself once the fence is back (the timer), without being told', async () => {
    const { owner, reader, prefix, fenceKey } = await node({ writeBackEveryMs: 100 });
    await furnish(owner);
    await client.del([...(await roomKeysIn(prefix)), fenceKey]);
    await owner.setRole(ROOM, member(3).memberId, 'observer');
    expect(owner.behind()).toEqual([ROOM]);
    await client.set(fenceKey, '1');
    await waitFor('the room written back', () => owner.behind().length === 0, 5_000);
    expect(await view(reader)).toEqual(await view(owner));
    expect((await reader.members(ROOM)).find((m) => m.memberId === member(3).memberId)?.role).toBe(
      'observer',
    );
  });

  it('refuses a write once another node owns the meeting, applying nothing, and drops its copy', async () => {
    const { owner, reader, fenceKey } = await node();
    await furnish(owner);
    const before = await view(owner);
    await client.set(fenceKey, '2');
    await expect(owner.addMember(ROOM, member(9))).rejects.toSatisfy(
      (error) => error instanceof StaleOwnerError && error.detail === 'fence-moved',
    );
    expect(await view(reader)).toEqual(before);
    expect(owner.behind()).toEqual([]);
  });

  it('loads the room from Redis when it takes the meeting over, and leaves rooms it does not own to Redis', async () => {
    const first = await node({ fence: '1' });
    await furnish(first.owner);
    // The first owner dies; the second takes the lease with the next fence.
    const second = await node({ fence: '2', prefix: first.prefix });
    expect(await view(second.owner)).toEqual(await view(first.reader));
    await second.owner.removeWaiting(ROOM, guest(1).memberId);
    expect((await first.reader.waiting(ROOM)).map((w) => w.memberId)).toEqual([guest(2).memberId]);
    // The old owner's copy does not outvote the new owner: its write is refused.
    await expect(first.owner.setLocked(ROOM, false)).rejects.toBeInstanceOf(StaleOwnerError);
    expect(await first.reader.isLocked(ROOM)).toBe(true);
    // Once it owns nothing, it reads Redis, not its old copy.
    first.setFence(undefined);
    expect((await first.owner.waiting(ROOM)).map((w) => w.memberId)).toEqual([guest(2).memberId]);
  });

  it('goes on from memory while Redis is down, and writes the room back when Redis returns empty', async () => {
    const { owner, reader, fenceKey } = await node({ writeBackEveryMs: 100 });
    await furnish(owner);
    await server.kill();
    await waitFor('the client to notice', () => !client.isReady, 5_000);
    const started = Date.now();
    await owner.addWaiting(ROOM, guest(3));
    await owner.removeMember(ROOM, member(3).memberId);
    await owner.setLocked(ROOM, false);
    // Redis down: each write went on at once (the client fails fast; no waiting for the patience).
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(owner.behind()).toEqual([ROOM]);
    const during = await view(owner);
    expect(during.waiting.map((w) => w.memberId)).toEqual(
      [guest(1), guest(2), guest(3)].map((g) => g.memberId),
    );
    await server.start();
    await waitFor('the client back', () => client.isReady, 10_000);
    // A new, empty Redis: the lease is re-established by MeetingLeases (here, by hand), then the timer writes.
    await client.set(fenceKey, '1');
    await waitFor('the room written back', () => owner.behind().length === 0, 5_000);
    expect(await view(reader)).toEqual(during);
  }, 30_000);
});
