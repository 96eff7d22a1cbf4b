/**
 * Redis keeps nothing on disk. When it restarts empty, what a node wrote of
 * the small shared pieces (revocations, role changes, ended meetings,
 * admissions) is written again by that node as soon as its connection is
 * back, so every other node sees it again: a removed member stays out.
 * A real redis-server of this file's own (it is killed and restarted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { RedisClientType } from 'redis';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { createSharedState, type SharedState } from '../../src/state/createSharedState.ts';
import { ReplayLog } from '../../src/state/ReplayLog.ts';
import { waitFor } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';
const OTHER_ROOM = 'room-bbbbbbbbbbbbbbbbbbbbbb';
const silent = pino({ level: 'silent' });
const HOUR = 60 * 60 * 1000;

let server: RedisServer;
/** Node A's connection and node B's. */
let clientA: RedisClientType;
let clientB: RedisClientType;

beforeAll(async () => {
  server = await startRedisServer();
  clientA = await connectRedis({ url: server.url, logger: silent });
  clientB = await connectRedis({ url: server.url, logger: silent });
});

afterAll(async () => {
  await closeRedis(clientA);
  await closeRedis(clientB);
  await server.stop();
});

async function restartEmpty(): Promise<void> {
  await server.kill();
  await waitFor('both clients to notice', () => !clientA.isReady && !clientB.isReady, 5_000);
  await server.start();
  await waitFor('both clients back', () => clientA.isReady && clientB.isReady, 10_000);
}

describe('shared state across a Redis restart', () => {
  it('gives every node back what one node wrote: revocations, roles, ended meetings, admissions', async () => {
    const a: SharedState = createSharedState({ redis: clientA, keyPrefix: 'r1:', logger: silent });
    const b: SharedState = createSharedState({ redis: clientB, keyPrefix: 'r1:', logger: silent });
    try {
      const now = Date.now();
      await a.revocations.revoke('sub', 'removed-member', now + HOUR);
      await a.revocations.revoke('jti', 'removed-token', now + HOUR);
      await a.roleOverrides.set('promoted-member', 'co-host', now + HOUR);
      await a.endedMeetings.end(ROOM);
      await a.endedMeetings.end(OTHER_ROOM);
      await a.endedMeetings.reopen(OTHER_ROOM);
      await a.admissions.entered(ROOM, 'admitted-member');
      await a.admissions.entered(ROOM, 'withdrawn-member');
      await a.admissions.withdrawn(ROOM, 'withdrawn-member');
      const seen = async (node: SharedState) => ({
        sub: await node.revocations.isRevoked('sub', 'removed-member'),
        jti: await node.revocations.isRevoked('jti', 'removed-token'),
        other: await node.revocations.isRevoked('sub', 'somebody-else'),
        role: await node.roleOverrides.get('promoted-member'),
        ended: await node.endedMeetings.isEnded(ROOM),
        reopened: await node.endedMeetings.isEnded(OTHER_ROOM),
        admitted: await node.admissions.isAdmitted(ROOM, 'admitted-member'),
        withdrawn: await node.admissions.isAdmitted(ROOM, 'withdrawn-member'),
      });
      const expected = {
        sub: true,
        jti: true,
        other: false,
        role: 'co-host',
        ended: true,
        reopened: false,
        admitted: true,
        withdrawn: false,
      };
      expect(await seen(b)).toEqual(expected);

      await restartEmpty();
      // Node A writes its part again on reconnection; node B, which wrote nothing, sees it all.
      await waitFor(
        'node B to see the revocation again',
        () => b.revocations.isRevoked('sub', 'removed-member'),
        5_000,
      );
      expect(await seen(b)).toEqual(expected);
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);

  it('without the replay (negative control), a restart empty forgets them', async () => {
    // The same writes through B, whose shared state is closed before the restart (no listener left).
    const b = createSharedState({ redis: clientB, keyPrefix: 'r2:', logger: silent });
    await b.revocations.revoke('sub', 'removed-member', Date.now() + HOUR);
    await b.close();
    const reader = createSharedState({ redis: clientA, keyPrefix: 'r2:', logger: silent });
    try {
      expect(await reader.revocations.isRevoked('sub', 'removed-member')).toBe(true);
      await restartEmpty();
      // Give a replay, if any were wrongly left, time to run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await reader.revocations.isRevoked('sub', 'removed-member')).toBe(false);
    } finally {
      await reader.close();
    }
  }, 30_000);

  it('a revocation Redis could not take (down) is refused here at once and reaches the others when Redis returns', async () => {
    const a = createSharedState({ redis: clientA, keyPrefix: 'r3:', logger: silent });
    const b = createSharedState({ redis: clientB, keyPrefix: 'r3:', logger: silent });
    try {
      await server.kill();
      await waitFor('node A to notice', () => !clientA.isReady, 5_000);
      await a.revocations.revoke('sub', 'removed-while-down', Date.now() + HOUR);
      expect(await a.revocations.isRevoked('sub', 'removed-while-down')).toBe(true);
      await server.start();
      await waitFor('both clients back', () => clientA.isReady && clientB.isReady, 10_000);
      await waitFor('node B to see it', () => b.revocations.isRevoked('sub', 'removed-while-down'), 5_000);
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);
});

describe('ReplayLog', () => {
  it('replays the latest write of each key, skips expired ones, and keeps at most its bound', async () => {
    let now = 1_000;
    const log = new ReplayLog({ logger: silent, now: () => now });
    const replayed: string[] = [];
    const write = (what: string) => () => {
      replayed.push(what);
      return Promise.resolve();
    };
    log.remember('a', 5_000, write('a1'));
    log.remember('a', 5_000, write('a2'));
    log.remember('b', 2_000, write('b'));
    log.remember('c', 9_000, write('c'));
    now = 3_000;
    await log.replayAll();
    expect(replayed.sort()).toEqual(['a2', 'c']);
    expect(log.size).toBe(2);
  });

  it('counts a failed replay and goes on with the others', async () => {
    const log = new ReplayLog({ logger: silent });
    const replayed: string[] = [];
    log.remember('x', Date.now() + HOUR, () => Promise.reject(new Error('Redis away')));
    log.remember('y', Date.now() + HOUR, () => {
      replayed.push('y');
      return Promise.resolve();
    });
    await log.replayAll();
    expect(replayed).toEqual(['y']);
    // Still remembered: the next reconnection tries again.
    expect(log.size).toBe(2);
  });
});
