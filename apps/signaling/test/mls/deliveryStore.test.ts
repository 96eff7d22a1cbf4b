/**
 * The MLS Delivery Service's store, in memory and in a real Redis: who makes
 * the group, exactly one commit per epoch (concurrent, duplicated, reordered
 * and stale commits), who is counted in the group, the reset when its last
 * member leaves, and two nodes (two stores over one Redis) racing for one
 * epoch with exactly one winner.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MAX_MLS_KEY_PACKAGE_CHARS } from '@confidentiel/protocol';
import {
  InMemoryMlsDeliveryStore,
  MLS_STATE_TTL_MS,
  type MlsDeliveryStore,
} from '../../src/mls/MlsDeliveryStore.ts';
import { RedisMlsDeliveryStore } from '../../src/mls/RedisMlsDeliveryStore.ts';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { createSharedState } from '../../src/state/createSharedState.ts';
import { KINDS, useStateEnvironment } from '../state/support.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';
const OTHER_ROOM = 'room-bbbbbbbbbbbbbbbbbbbbbb';
/** A key package as browsers send them: base64url, distinct per member. */
const kp = (name: string): string => `${name}-${'K'.repeat(80)}`;

describe.each(KINDS)('MLS Delivery Service store (%s)', (kind) => {
  const env = useStateEnvironment(kind);
  let store: MlsDeliveryStore;

  beforeEach(() => {
    store =
      kind === 'memory'
        ? new InMemoryMlsDeliveryStore()
        : new RedisMlsDeliveryStore({ client: env.client, keyPrefix: env.prefix() });
  });

  it('lets the first member make the group and hands it the key packages already waiting', async () => {
    // Nobody counted in a group yet: the first joiner makes it, with nobody else waiting.
    expect(await store.join(ROOM, 'ada', kp('ada'))).toEqual({ create: true, epoch: 0, keyPackages: [] });
    // The second finds a group at epoch 0: it waits to be added.
    expect(await store.join(ROOM, 'bob', kp('bob'))).toEqual({ create: false, epoch: 0, keyPackages: [] });
    // Another room is another group.
    expect((await store.join(OTHER_ROOM, 'eve', kp('eve'))).create).toBe(true);
    // Ada loses her state and publishes again: nobody else is in the group, so she makes it
    // anew, and Bob's waiting package comes with it.
    expect(await store.join(ROOM, 'ada', kp('ada2'))).toEqual({
      create: true,
      epoch: 0,
      keyPackages: [{ memberId: 'bob', keyPackage: kp('bob') }],
    });
  });

  it('keeps one key package per member: the latest replaces the earlier', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.join(ROOM, 'bob', kp('bob-old'));
    await store.join(ROOM, 'bob', kp('bob-new'));
    // Ada remakes the group (lost state): Bob's package appears once, the latest.
    const again = await store.join(ROOM, 'ada', kp('ada'));
    expect(again.keyPackages).toEqual([{ memberId: 'bob', keyPackage: kp('bob-new') }]);
  });

  it('refuses a key package beyond the protocol bound and stores nothing', async () => {
    await expect(store.join(ROOM, 'ada', 'K'.repeat(MAX_MLS_KEY_PACKAGE_CHARS + 1))).rejects.toThrow(
      RangeError,
    );
    // Nothing stored: Bob still makes the group, with nobody waiting.
    expect(await store.join(ROOM, 'bob', kp('bob'))).toEqual({ create: true, epoch: 0, keyPackages: [] });
  });

  it('accepts exactly one of two commits racing for the same epoch', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.commit(ROOM, 'ada', 0, ['bob']);
    const outcomes = await Promise.all([store.commit(ROOM, 'ada', 1, []), store.commit(ROOM, 'bob', 1, [])]);
    const accepted = outcomes.filter((o) => o.kind === 'accepted');
    const stale = outcomes.filter((o) => o.kind === 'stale');
    expect(accepted).toEqual([{ kind: 'accepted', epoch: 2 }]);
    // The loser is told the epoch to retry on: the winner's.
    expect(stale).toEqual([{ kind: 'stale', epoch: 2 }]);
  });

  it('refuses a duplicated commit as stale, and commits reordered by epoch except the current one', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    expect(await store.commit(ROOM, 'ada', 0, [])).toEqual({ kind: 'accepted', epoch: 1 });
    // The same commit again (a retry after a lost answer): the group moved on.
    expect(await store.commit(ROOM, 'ada', 0, [])).toEqual({ kind: 'stale', epoch: 1 });
    // Commits arriving in reverse epoch order: only the one made in the current epoch is taken.
    expect(await store.commit(ROOM, 'ada', 3, [])).toEqual({ kind: 'stale', epoch: 1 });
    expect(await store.commit(ROOM, 'ada', 2, [])).toEqual({ kind: 'stale', epoch: 1 });
    expect(await store.commit(ROOM, 'ada', 1, [])).toEqual({ kind: 'accepted', epoch: 2 });
    expect(await store.commit(ROOM, 'ada', 3, [])).toEqual({ kind: 'stale', epoch: 2 });
    expect(await store.commit(ROOM, 'ada', 2, [])).toEqual({ kind: 'accepted', epoch: 3 });
  });

  it('refuses a commit where there is no group, and a negative or fractional epoch', async () => {
    expect(await store.commit(ROOM, 'ada', 0, [])).toEqual({ kind: 'no-group' });
    await store.join(ROOM, 'ada', kp('ada'));
    await expect(store.commit(ROOM, 'ada', -1, [])).rejects.toThrow(RangeError);
    await expect(store.commit(ROOM, 'ada', 0.5, [])).rejects.toThrow(RangeError);
    // Nothing moved.
    expect(await store.commit(ROOM, 'ada', 0, [])).toEqual({ kind: 'accepted', epoch: 1 });
  });

  it('resets the group once the last member it counts leaves, not before', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.join(ROOM, 'bob', kp('bob'));
    await store.join(ROOM, 'cat', kp('cat'));
    // Ada adds Bob; Cat still waits.
    expect(await store.commit(ROOM, 'ada', 0, ['bob'])).toEqual({ kind: 'accepted', epoch: 1 });
    // Cat, never in the group, leaving changes nothing of it.
    expect(await store.memberLeft(ROOM, 'cat')).toEqual({ reset: false });
    // Ada leaves: Bob is still counted in the group.
    expect(await store.memberLeft(ROOM, 'ada')).toEqual({ reset: false });
    expect(await store.commit(ROOM, 'bob', 1, [])).toEqual({ kind: 'accepted', epoch: 2 });
    // Bob leaves: nobody left in the group.
    expect(await store.memberLeft(ROOM, 'bob')).toEqual({ reset: true });
    expect(await store.commit(ROOM, 'bob', 2, [])).toEqual({ kind: 'no-group' });
    // Leaving twice does not reset twice.
    expect(await store.memberLeft(ROOM, 'bob')).toEqual({ reset: false });
  });

  it('drops the waiting key packages on a reset: those left publish again', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.join(ROOM, 'bob', kp('bob'));
    expect(await store.memberLeft(ROOM, 'ada')).toEqual({ reset: true });
    // Bob publishes again on mlsReset: he makes the group, with no stale package of anyone.
    expect(await store.join(ROOM, 'bob', kp('bob2'))).toEqual({ create: true, epoch: 0, keyPackages: [] });
  });

  it("counts the committer and the added members in the group, and drops a departed one's package", async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.join(ROOM, 'bob', kp('bob'));
    await store.join(ROOM, 'cat', kp('cat'));
    // Bob, not yet in the group, makes an external commit (a rejoin): he now counts.
    expect(await store.commit(ROOM, 'bob', 0, [])).toEqual({ kind: 'accepted', epoch: 1 });
    // Cat leaves before being added: her package must not be handed out again.
    await store.memberLeft(ROOM, 'cat');
    // Ada leaves: Bob still counts, no reset.
    expect(await store.memberLeft(ROOM, 'ada')).toEqual({ reset: false });
    // Bob loses his state: he makes the group anew, and Cat's package is gone.
    expect(await store.join(ROOM, 'bob', kp('bob'))).toEqual({ create: true, epoch: 0, keyPackages: [] });
  });

  it('forgets a room: its next member makes a new group at epoch 0', async () => {
    await store.join(ROOM, 'ada', kp('ada'));
    await store.commit(ROOM, 'ada', 0, []);
    await store.forget(ROOM);
    await store.forget(ROOM);
    expect(await store.commit(ROOM, 'ada', 1, [])).toEqual({ kind: 'no-group' });
    expect(await store.join(ROOM, 'bob', kp('bob'))).toEqual({ create: true, epoch: 0, keyPackages: [] });
  });
});

describe('MLS Delivery Service store in memory', () => {
  it('leaves nothing behind for a room that was forgotten or reset', async () => {
    const store = new InMemoryMlsDeliveryStore();
    await store.join(ROOM, 'ada', kp('ada'));
    await store.join(OTHER_ROOM, 'bob', kp('bob'));
    expect(store.size).toBe(2);
    await store.forget(ROOM);
    expect(store.size).toBe(1);
    await store.memberLeft(OTHER_ROOM, 'bob');
    expect(store.size).toBe(0);
  });
});

describe('MLS Delivery Service store on two nodes (Redis)', () => {
  const env = useStateEnvironment('redis');

  it('gives exactly one winner per epoch to two nodes racing, many times over', async () => {
    const keyPrefix = env.prefix();
    const other = await connectRedis({ url: env.server.url, logger: pino({ level: 'silent' }) });
    try {
      const nodeA = new RedisMlsDeliveryStore({ client: env.client, keyPrefix });
      const nodeB = new RedisMlsDeliveryStore({ client: other, keyPrefix });
      await nodeA.join(ROOM, 'ada', kp('ada'));
      // Bob's package, stored through node A, is what node B sees.
      expect(await nodeB.join(ROOM, 'bob', kp('bob'))).toEqual({ create: false, epoch: 0, keyPackages: [] });
      for (let epoch = 0; epoch < 50; epoch++) {
        const outcomes = await Promise.all([
          nodeA.commit(ROOM, 'ada', epoch, []),
          nodeB.commit(ROOM, 'bob', epoch, ['bob']),
          nodeA.commit(ROOM, 'ada', epoch, []),
          nodeB.commit(ROOM, 'bob', epoch, []),
        ]);
        expect(
          outcomes.filter((o) => o.kind === 'accepted'),
          `epoch ${epoch}`,
        ).toEqual([{ kind: 'accepted', epoch: epoch + 1 }]);
        expect(outcomes.filter((o) => o.kind === 'stale')).toHaveLength(3);
      }
      // Negative control: both nodes see the same epoch (50), not one each.
      expect(await nodeB.commit(ROOM, 'bob', 49, [])).toEqual({ kind: 'stale', epoch: 50 });
      expect(await nodeA.commit(ROOM, 'ada', 50, [])).toEqual({ kind: 'accepted', epoch: 51 });
    } finally {
      await closeRedis(other);
    }
  });

  it('keeps epochs beyond 2^31 and past 14 digits exact (strings, not Lua numbers)', async () => {
    const keyPrefix = env.prefix();
    const store = new RedisMlsDeliveryStore({ client: env.client, keyPrefix });
    await store.join(ROOM, 'ada', kp('ada'));
    const big = 123_456_789_012_345;
    await env.client.set(`${keyPrefix}mls:{${ROOM}}:epoch`, String(big));
    expect(await store.commit(ROOM, 'ada', big - 1, [])).toEqual({ kind: 'stale', epoch: big });
    expect(await store.commit(ROOM, 'ada', big, [])).toEqual({ kind: 'accepted', epoch: big + 1 });
  });

  it('lets Redis forget a room no node forgot, and createSharedState wires the store', async () => {
    const keyPrefix = env.prefix();
    const shared = createSharedState({ redis: env.client, keyPrefix });
    await shared.mls.join(ROOM, 'ada', kp('ada'));
    await shared.mls.join(ROOM, 'bob', kp('bob'));
    for (const key of ['epoch', 'kp', 'group']) {
      const ttl = await env.client.pTTL(`${keyPrefix}mls:{${ROOM}}:${key}`);
      expect(ttl, key).toBeGreaterThan(MLS_STATE_TTL_MS - 60_000);
      expect(ttl, key).toBeLessThanOrEqual(MLS_STATE_TTL_MS);
    }
    await shared.mls.forget(ROOM);
    expect(await env.client.keys(`${keyPrefix}mls:*`)).toEqual([]);
    await shared.close();
  });
});
