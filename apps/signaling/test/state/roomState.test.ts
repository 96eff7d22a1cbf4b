import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { OwnerRoomState } from '../../src/rooms/OwnerRoomState.ts';
import { RedisRoomState, roomKeys } from '../../src/rooms/RedisRoomState.ts';
import { InMemoryRoomState, type RoomState } from '../../src/rooms/RoomState.ts';
import { StaleOwnerError } from '../../src/rooms/StaleOwnerError.ts';
import { roomStateContract } from './roomState.contract.ts';
import { guest, KINDS, member, producer, useStateEnvironment } from './support.ts';

describe.each(KINDS)('RoomState (%s)', (kind) => {
  const env = useStateEnvironment(kind);
  roomStateContract(() => ({
    clock: env.clock(),
    subject:
      kind === 'memory'
        ? new InMemoryRoomState()
        : new RedisRoomState({ client: env.client, keyPrefix: env.prefix() }),
  }));
});

// The owner's copy in front of Redis (several nodes): the same contract, every room owned.
describe('RoomState (owner copy over redis)', () => {
  const env = useStateEnvironment('redis');
  const subjects: OwnerRoomState[] = [];
  afterEach(() => {
    for (const subject of subjects.splice(0)) {
      subject.close();
    }
  });
  roomStateContract(() => {
    const subject = new OwnerRoomState({
      shared: new RedisRoomState({ client: env.client, keyPrefix: env.prefix() }),
      fenceOf: () => '1',
      logger: pino({ level: 'silent' }),
    });
    subjects.push(subject);
    return { clock: env.clock(), subject };
  });
});

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';

describe('RedisRoomState', () => {
  const env = useStateEnvironment('redis');

  it('lays a room out as hashes under its key prefix, each expiring after the TTL', async () => {
    const prefix = env.prefix();
    const state = new RedisRoomState({ client: env.client, keyPrefix: prefix, ttlMs: 60_000 });
    await state.addMember(ROOM, member(1, 'host'));
    await state.addProducer(ROOM, producer(1, member(1).memberId, 'camera', true));
    await state.addWaiting(ROOM, guest(1));
    await state.setLocked(ROOM, true);
    await state.nextSenderIndex(ROOM);
    const [, members, roles, producers, paused, waiting, meta] = roomKeys(prefix, ROOM);
    expect(members).toBe(`${prefix}room:${ROOM}:members`);
    const client = env.client;
    expect(JSON.parse((await client.hGet(members!, member(1).memberId))!)).toEqual(member(1, 'host'));
    expect(await client.hGetAll(roles!)).toEqual({ [member(1).memberId]: 'host' });
    expect(Object.keys(await client.hGetAll(producers!))).toEqual([producer(1, 'x').producerId]);
    expect(await client.sMembers(paused!)).toEqual([producer(1, 'x').producerId]);
    expect(Object.keys(await client.hGetAll(waiting!))).toEqual([guest(1).memberId]);
    expect(await client.hGetAll(meta!)).toEqual({ locked: '1', nextSenderIndex: '1' });
    for (const key of [members, roles, producers, paused, waiting, meta]) {
      const ttl = await client.pTTL(key!);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // Nothing outside the prefix.
    const outside: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: '*', COUNT: 1000 })) {
      outside.push(...keys.filter((k) => !k.startsWith('test:')));
    }
    expect(outside).toEqual([]);
  });

  it('lets two nodes see the same rooms', async () => {
    const prefix = env.prefix();
    const a = new RedisRoomState({ client: env.client, keyPrefix: prefix });
    const b = new RedisRoomState({ client: env.client, keyPrefix: prefix });
    await a.addMember(ROOM, member(1));
    await b.setRole(ROOM, member(1).memberId, 'co-host');
    expect(await a.members(ROOM)).toEqual([member(1, 'co-host')]);
    expect(await b.hasHost(ROOM)).toBe(true);
    expect(await a.nextSenderIndex(ROOM)).toBe(0);
    expect(await b.nextSenderIndex(ROOM)).toBe(1);
  });

  describe('with fences', () => {
    /** Two owners of the same meeting's state, one fence each; Redis names the current one. */
    async function owners(current: string) {
      const prefix = env.prefix();
      const [fenceKey] = roomKeys(prefix, ROOM);
      await env.client.set(fenceKey!, current);
      const owner = (fence: string | undefined): RoomState =>
        new RedisRoomState({ client: env.client, keyPrefix: prefix, fence: () => fence });
      return {
        stale: owner('1'),
        current: owner('2'),
        nobody: owner(undefined),
        reader: new RedisRoomState({ client: env.client, keyPrefix: prefix }),
        moveTo: (fence: string) => env.client.set(fenceKey!, fence),
        forgetFence: () => env.client.del(fenceKey!),
      };
    }

    it("lands the current owner's writes and refuses a stale owner's, writing nothing", async () => {
      const { stale, current, reader } = await owners('2');
      await current.addMember(ROOM, member(1));
      await expect(stale.addMember(ROOM, member(2))).rejects.toBeInstanceOf(StaleOwnerError);
      await expect(stale.removeMember(ROOM, member(1).memberId)).rejects.toMatchObject({
        reason: 'stale-owner',
        roomId: ROOM,
      });
      expect(await reader.members(ROOM)).toEqual([member(1)]);
      // A stale owner still reads.
      expect(await stale.members(ROOM)).toEqual([member(1)]);
    });

    it('refuses every kind of write by a stale owner, and by a node holding no lease at all', async () => {
      const { stale, current, nobody, reader } = await owners('2');
      await current.addMember(ROOM, member(1));
      await current.addProducer(ROOM, producer(1, member(1).memberId));
      await current.addWaiting(ROOM, guest(1));
      const before = {
        members: await reader.members(ROOM),
        producers: await reader.producers(ROOM),
        waiting: await reader.waiting(ROOM),
        locked: await reader.isLocked(ROOM),
      };
      for (const writer of [stale, nobody]) {
        const writes: Array<() => Promise<unknown>> = [
          () => writer.addMember(ROOM, member(2)),
          () => writer.nextSenderIndex(ROOM),
          () => writer.removeMember(ROOM, member(1).memberId),
          () => writer.addProducer(ROOM, producer(2, member(1).memberId)),
          () => writer.removeProducer(ROOM, producer(1, 'x').producerId),
          () => writer.setProducerPaused(ROOM, producer(1, 'x').producerId, true),
          () => writer.setRole(ROOM, member(1).memberId, 'host'),
          () => writer.addWaiting(ROOM, guest(2)),
          () => writer.removeWaiting(ROOM, guest(1).memberId),
          () => writer.setLocked(ROOM, true),
          () => writer.clearRoom(ROOM),
        ];
        for (const write of writes) {
          await expect(write()).rejects.toBeInstanceOf(StaleOwnerError);
        }
      }
      expect({
        members: await reader.members(ROOM),
        producers: await reader.producers(ROOM),
        waiting: await reader.waiting(ROOM),
        locked: await reader.isLocked(ROOM),
      }).toEqual(before);
      // The sender index was not spent either.
      expect(await current.nextSenderIndex(ROOM)).toBe(0);
    });

    it('refuses the former owner once the meeting moved on, and lets the new one write', async () => {
      const { stale, current, reader, moveTo, forgetFence } = await owners('1');
      await stale.addMember(ROOM, member(1));
      await moveTo('2');
      await expect(stale.addMember(ROOM, member(2))).rejects.toBeInstanceOf(StaleOwnerError);
      await current.addMember(ROOM, member(3));
      expect((await reader.members(ROOM)).map((m) => m.memberId)).toEqual([
        member(1).memberId,
        member(3).memberId,
      ]);
      // Redis lost the fence (it restarted empty): nobody writes until a lease sets it again.
      await forgetFence();
      await expect(current.setLocked(ROOM, true)).rejects.toBeInstanceOf(StaleOwnerError);
    });
  });
});
