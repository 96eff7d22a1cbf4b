// The committee snapshot stores: one contract, in memory and in a real Redis.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClientType } from 'redis';
import { fenceKey } from '../../src/cluster/MeetingLeases.ts';
import type { CommitteeSnapshot } from '../../src/committee/CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from '../../src/committee/CommitteeSnapshotError.ts';
import type { CommitteeSnapshotStore } from '../../src/committee/CommitteeSnapshotStore.ts';
import { MemoryCommitteeSnapshotStore } from '../../src/committee/MemoryCommitteeSnapshotStore.ts';
import {
  RedisCommitteeSnapshotStore,
  SNAPSHOT_TTL_MS,
  committeeSnapshotKey,
} from '../../src/committee/RedisCommitteeSnapshotStore.ts';
import { StaleOwnerError } from '../../src/rooms/StaleOwnerError.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import {
  AGENDA,
  EVERYONE,
  MEETING_ID,
  alice,
  arrive,
  bob,
  chair,
  startWorld,
  type World,
} from './roomHarness.ts';

const OTHER_MEETING = 'Zz9yX8wV7uT6sR5qP4oN3m';

/** A store, and the lease the tests move under it (`meeting:{id}:fence`). */
interface Engine {
  store: CommitteeSnapshotStore;
  setFence(roomId: string, fence: string | undefined): Promise<void>;
}

let world: World;
let snapshots: CommitteeSnapshot[];

/** Real snapshots: a room mid-session with an open vote, and the same room a little later. */
async function takeSnapshots(): Promise<CommitteeSnapshot[]> {
  const room = world.node().newRoom();
  await arrive(world, room, EVERYONE);
  await room.agendaOpen(chair, { itemId: AGENDA[0]!.itemId });
  const { voteId } = await room.openVote(chair, { motion: 'Adopter le budget', secret: true });
  await room.castVote(alice, { voteId, choice: 'pour' });
  const first = room.toSnapshot();
  await room.castVote(bob, { voteId, choice: 'contre' });
  const second = room.toSnapshot();
  const other = world.node().newRoom();
  // Another meeting's room: the same content under another id.
  const third = { ...structuredClone(other.toSnapshot()), meetingId: OTHER_MEETING };
  return [first, second, third];
}

function storeContract(name: string, makeEngine: () => Promise<Engine>): void {
  describe(`the committee snapshot store (${name})`, () => {
    let engine: Engine;

    beforeEach(async () => {
      engine = await makeEngine();
      await engine.setFence(MEETING_ID, '7');
      await engine.setFence(OTHER_MEETING, '3');
    });

    it('has no snapshot of a meeting never saved', async () => {
      expect(await engine.store.load(MEETING_ID)).toBeUndefined();
    });

    it('gives back what was saved, as a copy, and the latest save wins', async () => {
      const [first, second] = snapshots as [CommitteeSnapshot, CommitteeSnapshot];
      const saved = structuredClone(first);
      await engine.store.save(MEETING_ID, saved, '7');
      saved.vote!.ballots.push({ memberId: bob.memberId, displayName: bob.displayName, choice: 'contre' });
      expect(await engine.store.load(MEETING_ID)).toEqual(first);
      await engine.store.save(MEETING_ID, second, '7');
      const loaded = await engine.store.load(MEETING_ID);
      expect(loaded).toEqual(second);
      expect(loaded!.vote!.ballots.map((b) => b.choice)).toEqual(['pour', 'contre']);
    });

    it('refuses a stale owner’s save and delete, and changes nothing', async () => {
      const [first, second] = snapshots as [CommitteeSnapshot, CommitteeSnapshot];
      await engine.store.save(MEETING_ID, first, '7');
      await engine.setFence(MEETING_ID, '8');
      const refused = await engine.store.save(MEETING_ID, second, '7').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StaleOwnerError);
      expect(refused).toMatchObject({ reason: 'stale-owner' });
      await expect(engine.store.delete(MEETING_ID, '7')).rejects.toMatchObject({ reason: 'stale-owner' });
      expect(await engine.store.load(MEETING_ID)).toEqual(first);
      await engine.store.save(MEETING_ID, second, '8');
      expect(await engine.store.load(MEETING_ID)).toEqual(second);
    });

    it('refuses every fenced write while nobody holds the meeting', async () => {
      const [first] = snapshots as [CommitteeSnapshot];
      await engine.store.save(MEETING_ID, first, '7');
      await engine.setFence(MEETING_ID, undefined);
      await expect(engine.store.save(MEETING_ID, first, '7')).rejects.toMatchObject({
        reason: 'stale-owner',
      });
      await expect(engine.store.delete(MEETING_ID, '7')).rejects.toMatchObject({ reason: 'stale-owner' });
      expect(await engine.store.load(MEETING_ID)).toEqual(first);
    });

    it('deletes one meeting’s snapshot and keeps the others', async () => {
      const [first, , other] = snapshots as [CommitteeSnapshot, CommitteeSnapshot, CommitteeSnapshot];
      await engine.store.save(MEETING_ID, first, '7');
      await engine.store.save(OTHER_MEETING, other, '3');
      await engine.store.delete(MEETING_ID, '7');
      await engine.store.delete(MEETING_ID, '7');
      expect(await engine.store.load(MEETING_ID)).toBeUndefined();
      expect(await engine.store.load(OTHER_MEETING)).toEqual(other);
    });

    it('refuses to file a snapshot under another meeting', async () => {
      const [first] = snapshots as [CommitteeSnapshot];
      await expect(engine.store.save(OTHER_MEETING, first, '3')).rejects.toBeInstanceOf(TypeError);
      expect(await engine.store.load(OTHER_MEETING)).toBeUndefined();
    });
  });
}

beforeAll(async () => {
  world = await startWorld();
  snapshots = await takeSnapshots();
});

afterAll(async () => {
  await world?.close();
});

storeContract('memory', () => {
  const fences = new Map<string, string>();
  return Promise.resolve({
    store: new MemoryCommitteeSnapshotStore({ currentFence: (roomId) => fences.get(roomId) }),
    setFence(roomId, fence) {
      if (fence === undefined) {
        fences.delete(roomId);
      } else {
        fences.set(roomId, fence);
      }
      return Promise.resolve();
    },
  });
});

let redisServer: RedisServer | undefined;
let redis: RedisClientType | undefined;

async function connectedRedis(): Promise<RedisClientType> {
  if (redis === undefined) {
    redisServer = await startRedisServer();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
  }
  return redis;
}

afterAll(async () => {
  await redis?.close();
  await redisServer?.stop();
});

storeContract('Redis', async () => {
  const client = await connectedRedis();
  await client.flushAll();
  return {
    store: new RedisCommitteeSnapshotStore({ redis: client }),
    async setFence(roomId, fence) {
      if (fence === undefined) {
        await client.del(fenceKey(roomId));
      } else {
        await client.set(fenceKey(roomId), fence);
      }
    },
  };
});

describe('the Redis committee snapshot store', () => {
  let client: RedisClientType;
  let store: RedisCommitteeSnapshotStore;

  beforeEach(async () => {
    client = await connectedRedis();
    await client.flushAll();
    await client.set(fenceKey(MEETING_ID), '7');
    store = new RedisCommitteeSnapshotStore({ redis: client });
  });

  afterEach(async () => {
    await client.flushAll();
  });

  it('refuses a write without the owner’s fence', async () => {
    await expect(store.save(MEETING_ID, snapshots[0]!)).rejects.toBeInstanceOf(TypeError);
    await expect(store.delete(MEETING_ID)).rejects.toBeInstanceOf(TypeError);
  });

  it('lets a snapshot expire a day after its last save', async () => {
    await store.save(MEETING_ID, snapshots[0]!, '7');
    const ttl = await client.pTTL(committeeSnapshotKey(MEETING_ID));
    expect(ttl).toBeGreaterThan(SNAPSHOT_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(SNAPSHOT_TTL_MS);
  });

  it('reads back what is not a snapshot as invalid', async () => {
    for (const text of [
      '{"version":1',
      JSON.stringify({ ...snapshots[0], version: 9 }),
      JSON.stringify(snapshots[2]),
    ]) {
      await client.set(committeeSnapshotKey(MEETING_ID), text);
      const error = await store.load(MEETING_ID).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommitteeSnapshotError);
      expect(error).toMatchObject({ reason: 'invalid' });
    }
  });

  it('refuses the old owner once the lease moved, whatever it had in flight', async () => {
    const [first, second] = snapshots as [CommitteeSnapshot, CommitteeSnapshot];
    const inFlight = Array.from({ length: 20 }, () =>
      store.save(MEETING_ID, first, '7').catch(() => undefined),
    );
    await client.incr(fenceKey(MEETING_ID));
    await store.save(MEETING_ID, second, '8');
    await Promise.all(inFlight);
    const late = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.save(MEETING_ID, first, '7')),
    );
    expect(late.every((o) => o.status === 'rejected' && o.reason instanceof StaleOwnerError)).toBe(true);
    expect(await store.load(MEETING_ID)).toEqual(second);
  });
});
