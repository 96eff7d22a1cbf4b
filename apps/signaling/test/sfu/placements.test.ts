/**
 * Meeting placements, in memory and in Redis, pass one suite: the first
 * placement wins, a move happens only from the host a meeting is on, a
 * member keeps its first host, and forgetting a host takes what was on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClientType } from 'redis';
import { MemoryMeetingPlacements, type MeetingPlacements } from '../../src/sfu/MeetingPlacements.ts';
import { RedisMeetingPlacements } from '../../src/sfu/RedisMeetingPlacements.ts';
import { unknownMediaId, unknownMeetingId } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';

const A = 'http://10.0.0.1:4001';
const B = 'http://10.0.0.2:4001';
const C = 'http://10.0.0.3:4001';

let redis: RedisServer;
const clients: RedisClientType[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);

afterAll(async () => {
  for (const client of clients) {
    await client.close().catch(() => undefined);
  }
  await redis?.stop();
});

async function redisClient(): Promise<RedisClientType> {
  const client = createClient({ url: redis.url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** Two views of one store: two Redis clients (as two signaling nodes), or one object in memory. */
const engines: Record<string, () => Promise<[MeetingPlacements, MeetingPlacements]>> = {
  memory: () => {
    const one = new MemoryMeetingPlacements();
    return Promise.resolve([one, one]);
  },
  redis: async () => [
    new RedisMeetingPlacements({ redis: await redisClient() }),
    new RedisMeetingPlacements({ redis: await redisClient() }),
  ],
};

describe.each(Object.keys(engines))('meeting placements (%s)', (engine) => {
  let p: MeetingPlacements;
  let q: MeetingPlacements;

  beforeAll(async () => {
    [p, q] = await engines[engine]!();
  });

  it('places a meeting once: the first placement wins, also when two are made at once', async () => {
    const room = unknownMeetingId();
    expect(await p.place(room, A)).toBe(A);
    expect(await q.place(room, B)).toBe(A);
    for (let i = 0; i < 20; i++) {
      const racing = unknownMeetingId();
      const [x, y] = await Promise.all([p.place(racing, A), q.place(racing, B)]);
      expect(x).toBe(y);
      expect((await q.get(racing)).hosts).toEqual(new Set([x]));
    }
    expect((await p.get(room)).primary).toBe(A);
    expect(await p.roomsOn(A)).toContain(room);
    expect(await p.roomsOn(B)).not.toContain(room);
  });

  it('moves a meeting only from the host it is on', async () => {
    const room = unknownMeetingId();
    await p.place(room, A);
    // Two nodes see host A lost at once: one move wins, the other finds it done.
    const [x, y] = await Promise.all([p.move(room, A, B), q.move(room, A, C)]);
    expect(x).toBe(y);
    // A stale move (from a host it is no longer on) changes nothing.
    expect(await p.move(room, A, C)).toBe(x);
    expect((await q.get(room)).primary).toBe(x);
    expect(await p.roomsOn(x)).toContain(room);
  });

  it('keeps a member on its first host, and a producer where it was made', async () => {
    const room = unknownMeetingId();
    await p.place(room, A);
    const [x, y] = await Promise.all([
      p.assignMember(room, 'member-ada-01', B),
      q.assignMember(room, 'member-ada-01', C),
    ]);
    expect(x).toBe(y);
    expect(await q.memberHost(room, 'member-ada-01')).toBe(x);
    const producer = unknownMediaId();
    await p.addProducer(room, producer, x);
    expect(await q.producerHost(room, producer)).toBe(x);
    const placement = await q.get(room);
    expect(placement.hosts).toEqual(new Set([A, x]));
    expect(placement.members).toEqual(new Map([['member-ada-01', x]]));
    expect(await p.roomsOn(x)).toContain(room);
    await q.unassignMember(room, 'member-ada-01');
    await q.removeProducer(room, producer);
    expect(await p.memberHost(room, 'member-ada-01')).toBeUndefined();
    expect(await p.producerHost(room, producer)).toBeUndefined();
  });

  it('forgets a host with its members and producers, and a meeting with everything', async () => {
    const room = unknownMeetingId();
    await p.place(room, A);
    await p.assignMember(room, 'member-ada-01', A);
    await p.assignMember(room, 'member-bob-01', B);
    const onA = unknownMediaId();
    const onB = unknownMediaId();
    await p.addProducer(room, onA, A);
    await p.addProducer(room, onB, B);
    await q.removeHost(room, A);
    const placement = await p.get(room);
    expect(placement.hosts).toEqual(new Set([B]));
    expect(placement.members).toEqual(new Map([['member-bob-01', B]]));
    expect(placement.producers).toEqual(new Map([[onB, B]]));
    // The primary is left for the caller to move.
    expect(placement.primary).toBe(A);
    expect(await p.roomsOn(A)).not.toContain(room);
    await q.forget(room);
    const gone = await p.get(room);
    expect(gone.primary).toBeUndefined();
    expect(gone.hosts.size + gone.members.size + gone.producers.size).toBe(0);
    expect(await p.roomsOn(B)).not.toContain(room);
  });
});
