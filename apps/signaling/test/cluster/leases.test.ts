import { pino } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fenceKey, ownerKey, RedisLeases } from '../../src/cluster/MeetingLeases.ts';
import { RedisNodeBus } from '../../src/cluster/NodeBus.ts';
import { RedisNodeRegistry } from '../../src/cluster/NodeRegistry.ts';
import { ProtocolError } from '@confidentiel/protocol';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import { sleep, waitFor } from '../support/harness.ts';

const logger = pino({ level: 'silent' });
let server: RedisServer;
const clients: RedisClientType[] = [];

async function client(): Promise<RedisClientType> {
  const made = createClient({ url: server.url, socket: { reconnectStrategy: (n) => Math.min(50 * n, 300) } });
  made.on('error', () => undefined);
  await made.connect();
  clients.push(made as RedisClientType);
  return made as RedisClientType;
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const c of clients) {
    await c.quit().catch(() => undefined);
  }
  await server.stop();
});

describe('meeting leases in Redis', () => {
  it('two nodes claiming one meeting at once: exactly one wins, the other is told who', async () => {
    const nodes = await Promise.all(
      ['n1', 'n2', 'n3'].map(async (nodeId) => new RedisLeases({ redis: await client(), nodeId, logger })),
    );
    for (let round = 0; round < 20; round++) {
      const room = `room-${round}`;
      const answers = await Promise.all(nodes.map((n) => n.acquire(room)));
      const winners = answers.filter((a) => a.owner === 'self');
      expect(winners).toHaveLength(1);
      const winner = nodes[answers.findIndex((a) => a.owner === 'self')]!;
      for (const answer of answers) {
        if (answer.owner === 'other') {
          expect(answer.nodeId).toBe(winner.nodeId);
        }
      }
    }
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('a dead owner’s lease expires and the next claim gets a higher fence; the old owner learns it lost', async () => {
    const redis = await client();
    const first = new RedisLeases({ redis, nodeId: 'a', logger, leaseMs: 300, renewEveryMs: 100_000 });
    const second = new RedisLeases({ redis, nodeId: 'b', logger, leaseMs: 300, renewEveryMs: 50 });
    const a = await first.acquire('room-x');
    expect(a.owner).toBe('self');
    expect((await second.acquire('room-x')).owner).toBe('other');
    await sleep(400);
    const b = await second.acquire('room-x');
    expect(b.owner).toBe('self');
    expect(Number((b as { fence: string }).fence)).toBeGreaterThan(Number((a as { fence: string }).fence));
    const lost: string[] = [];
    first.on('lost', (room) => lost.push(room));
    expect(await first.acquire('room-x')).toEqual({ owner: 'other', nodeId: 'b' });
    expect(lost).toEqual(['room-x']);
    expect(first.fenceOf('room-x')).toBeUndefined();
    await first.close();
    await second.close();
  });

  it('renews while alive, releases on close, and re-establishes its lease when Redis forgot it', async () => {
    const redis = await client();
    const owner = new RedisLeases({ redis, nodeId: 'keeper', logger, leaseMs: 300, renewEveryMs: 50 });
    const other = new RedisLeases({ redis, nodeId: 'other', logger, leaseMs: 300, renewEveryMs: 50 });
    const held = await owner.acquire('room-r');
    await sleep(600);
    expect((await other.acquire('room-r')).owner).toBe('other');
    // Redis loses everything (restarted without persistence): the owner puts its lease back.
    const back: string[] = [];
    owner.on('reestablished', (room) => back.push(room));
    await redis.del([ownerKey('room-r'), fenceKey('room-r')]);
    await waitFor('the lease to be re-established', () => back.includes('room-r'), 2_000);
    expect(await redis.get(fenceKey('room-r'))).toBe((held as { fence: string }).fence);
    expect((await other.acquire('room-r')).owner).toBe('other');
    await owner.close();
    expect(await redis.get(ownerKey('room-r'))).toBeNull();
    expect((await other.acquire('room-r')).owner).toBe('self');
    await other.close();
  });

  it('Redis restarted empty: another node does not claim the meeting while its owner re-establishes its lease', async () => {
    const ownerRedis = await client();
    const otherRedis = await client();
    // Renewals far apart: only the reconnection itself can make the owner renew in time.
    const owner = new RedisLeases({ redis: ownerRedis, nodeId: 'keeper', logger, renewEveryMs: 60_000 });
    const other = new RedisLeases({
      redis: otherRedis,
      nodeId: 'other',
      logger,
      renewEveryMs: 60_000,
      reestablishGraceMs: 2_000,
    });
    const held = await owner.acquire('room-e');
    expect(held.owner).toBe('self');
    const back: string[] = [];
    owner.on('reestablished', (room) => back.push(room));
    await server.kill();
    await waitFor('both clients to notice', () => !ownerRedis.isReady && !otherRedis.isReady, 5_000);
    await server.start();
    await waitFor('the other node back', () => otherRedis.isReady, 10_000);
    // Whichever of the two came back first, the other node never takes the meeting.
    const answer = await other.acquire('room-e');
    expect(answer.owner === 'unsettled' || (answer.owner === 'other' && answer.nodeId === 'keeper')).toBe(
      true,
    );
    await waitFor('the owner to re-establish its lease', () => back.includes('room-e'), 5_000);
    expect(await other.acquire('room-e')).toEqual({ owner: 'other', nodeId: 'keeper' });
    expect(await otherRedis.get(fenceKey('room-e'))).toBe((held as { fence: string }).fence);
    // A meeting Redis never knew: held back during the grace, then claimed as usual.
    expect(await other.acquire('room-new')).toEqual({ owner: 'unsettled' });
    await sleep(2_100);
    expect((await other.acquire('room-new')).owner).toBe('self');
    await owner.close();
    await other.close();
  }, 30_000);
});

describe('node registry', () => {
  it('after Redis restarted empty, takes no node for dead until the heartbeats had time to come back', async () => {
    const redis = await client();
    const registry = new RedisNodeRegistry({ redis, nodeId: 'watcher', logger, graceMs: 1_500 });
    try {
      // A node that never beats is dead (negative control of the grace).
      expect(await registry.isAlive('ghost')).toBe(false);
      await server.kill();
      await waitFor('the client to notice', () => !redis.isReady, 5_000);
      await server.start();
      await waitFor('the client back', () => redis.isReady, 10_000);
      // Redis is empty: no heartbeat of anybody yet, but nobody is declared dead.
      expect(await redis.exists('confidentiel:node-alive:ghost')).toBe(0);
      expect(await registry.isAlive('ghost')).toBe(true);
      await sleep(1_600);
      expect(await registry.isAlive('ghost')).toBe(false);
      expect(await registry.isAlive('watcher')).toBe(true);
    } finally {
      await registry.close();
    }
  }, 30_000);
});

describe('node bus', () => {
  it('answers requests between nodes, carries refusals, and times out on a node that is gone', async () => {
    const one = await RedisNodeBus.create({ redis: await client(), nodeId: 'one', logger });
    const two = await RedisNodeBus.create({ redis: await client(), nodeId: 'two', logger });
    const notices: unknown[] = [];
    two.handle(
      (body) => {
        const { n } = body as { n: number };
        if (n < 0) {
          return Promise.reject(new ProtocolError('forbidden', 'negative'));
        }
        return Promise.resolve({ doubled: n * 2 });
      },
      (body) => notices.push(body),
    );
    expect(await one.request('two', { n: 21 })).toEqual({ doubled: 42 });
    await expect(one.request('two', { n: -1 })).rejects.toMatchObject({ reason: 'forbidden' });
    one.notify('two', { hello: true });
    await waitFor('the notice', () => notices.length === 1);
    await expect(one.request('gone', { n: 1 }, 300)).rejects.toMatchObject({ reason: 'busy' });
    await one.close();
    await two.close();
  });
});
