/**
 * The held-out store (members a host sent back to the waiting room), in
 * memory with a fake clock and in a real Redis with real expiry, plus the
 * cluster form createSharedState makes: a mark one node writes is seen by
 * another node's store, and one written while Redis restarted empty comes back.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { InMemoryHeldOut, type HeldOut } from '../../src/rooms/HeldOut.ts';
import { RedisHeldOut } from '../../src/rooms/RedisHeldOut.ts';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { createSharedState } from '../../src/state/createSharedState.ts';
import { KINDS, T, useStateEnvironment, type Clock } from './support.ts';

describe.each(KINDS)('HeldOut (%s)', (kind) => {
  const env = useStateEnvironment(kind);
  let heldOut: HeldOut;
  let clock: Clock;

  beforeEach(() => {
    clock = env.clock();
    heldOut =
      kind === 'memory'
        ? new InMemoryHeldOut({ now: clock.now })
        : new RedisHeldOut({ client: env.client, keyPrefix: env.prefix() });
  });

  it('holds a member out of one room until released', async () => {
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(false);
    await heldOut.hold('room-a', 'member-1', clock.now() + 60_000);
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(true);
    // Another room, another member: not held.
    expect(await heldOut.isHeldOut('room-b', 'member-1')).toBe(false);
    expect(await heldOut.isHeldOut('room-a', 'member-2')).toBe(false);
    await heldOut.release('room-a', 'member-1');
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(false);
    // Releasing someone not held changes nothing and does not throw.
    await heldOut.release('room-a', 'member-1');
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(false);
  });

  it('forgets a mark never released once its time passed', async () => {
    await heldOut.hold('room-a', 'member-1', clock.now() + 2 * T);
    await clock.advance(T);
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(true);
    await clock.advance(2 * T);
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(false);
  });

  it('holds again after a release (a second deliberation)', async () => {
    await heldOut.hold('room-a', 'member-1', clock.now() + 60_000);
    await heldOut.release('room-a', 'member-1');
    await heldOut.hold('room-a', 'member-1', clock.now() + 60_000);
    expect(await heldOut.isHeldOut('room-a', 'member-1')).toBe(true);
  });
});

describe('HeldOut in a cluster (Redis)', () => {
  const env = useStateEnvironment('redis');

  it('is shared by the nodes: one holds, another sees it, a third releases', async () => {
    const keyPrefix = env.prefix();
    const other = await connectRedis({ url: env.server.url, logger: pino({ level: 'silent' }) });
    try {
      const nodeA = createSharedState({ redis: env.client, keyPrefix });
      const nodeB = createSharedState({ redis: other, keyPrefix });
      await nodeA.heldOut.hold('room-1', 'member-1', Date.now() + 60_000);
      expect(await nodeB.heldOut.isHeldOut('room-1', 'member-1')).toBe(true);
      const ttl = await env.client.pTTL(`${keyPrefix}heldout:room-1:member-1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await nodeB.heldOut.release('room-1', 'member-1');
      // Negative control of the shared read: Redis no longer holds it, and neither node says so.
      expect(await env.client.exists(`${keyPrefix}heldout:room-1:member-1`)).toBe(0);
      expect(await nodeB.heldOut.isHeldOut('room-1', 'member-1')).toBe(false);
      await nodeA.close();
      await nodeB.close();
    } finally {
      await closeRedis(other);
    }
  });

  it('writes its marks back when Redis comes back empty', async () => {
    const keyPrefix = env.prefix();
    const shared = createSharedState({ redis: env.client, keyPrefix });
    await shared.heldOut.hold('room-2', 'member-2', Date.now() + 60_000);
    await env.client.del(`${keyPrefix}heldout:room-2:member-2`);
    // The node that held it still refuses entry meanwhile (its own copy).
    expect(await shared.heldOut.isHeldOut('room-2', 'member-2')).toBe(true);
    // Redis "comes back": the replay writes the mark again for the other nodes.
    env.client.emit('ready');
    await expect
      .poll(() => env.client.exists(`${keyPrefix}heldout:room-2:member-2`), { timeout: 5_000 })
      .toBe(1);
    await shared.close();
  });
});
