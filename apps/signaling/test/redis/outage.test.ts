/**
 * Redis going away under a running signaling node: nothing crashes, nothing
 * hangs, the limiters keep counting in the process, and everything works
 * again once Redis is back (item 27 of the security checklist, in part).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { RedisRoomState } from '../../src/rooms/RedisRoomState.ts';
import {
  closeRedis,
  connectRedis,
  reconnectDelay,
  RECONNECT_MAX_MS,
  redisEndpoint,
} from '../../src/redis/connectRedis.ts';
import { RedisRateLimiterFactory } from '../../src/state/RedisRateLimiterFactory.ts';
import { captureLogger, freeTcpPort, waitFor } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import { member } from '../state/support.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';

describe('Redis outage', () => {
  let server: RedisServer;
  let client: RedisClientType;
  const logs = captureLogger('signaling');

  beforeAll(async () => {
    server = await startRedisServer();
    client = await connectRedis({ url: server.url, logger: logs.logger });
  });

  afterAll(async () => {
    await closeRedis(client);
    await server.stop();
  });

  it('survives Redis dying: calls fail at once, the limiters count alone, all comes back with Redis', async () => {
    const state = new RedisRoomState({ client, keyPrefix: 'outage:' });
    const limiter = new RedisRateLimiterFactory({ client, keyPrefix: 'outage:' }).create('chat', {
      points: 2,
      duration: 60,
    });
    await state.addMember(ROOM, member(1));

    await server.kill();
    await waitFor('the client to notice', () => !client.isReady);
    const started = Date.now();
    await expect(state.members(ROOM)).rejects.toThrow();
    await expect(state.addMember(ROOM, member(2))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    // Counted in this process meanwhile: still a limit, neither open nor shut.
    await limiter.consume('member-1');
    await limiter.consume('member-1');
    await expect(limiter.consume('member-1')).rejects.toBeInstanceOf(RateLimiterRes);
    expect(logs.lines.some((line) => line.includes('redis unreachable or failing'))).toBe(true);

    await server.start();
    await waitFor('the client to reconnect', () => client.isReady, RECONNECT_MAX_MS + 5_000);
    // Redis restarted empty (no persistence): the room is gone, and writes land again.
    expect(await state.members(ROOM)).toEqual([]);
    await state.addMember(ROOM, member(2));
    expect(await state.members(ROOM)).toEqual([member(2)]);
    await limiter.consume('member-1');
    expect(logs.lines.some((line) => line.includes('redis connection back'))).toBe(true);
  }, 30_000);

  it('refuses to start on a Redis it cannot reach, naming it without its password', async () => {
    const port = await freeTcpPort();
    const url = `redis://:s3cret-password@127.0.0.1:${port}`;
    const failed = captureLogger('signaling');
    const error = await connectRedis({ url, logger: failed.logger, connectTimeoutMs: 500 }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toContain(`redis://127.0.0.1:${port}`);
    expect(error?.message).not.toContain('s3cret');
    expect(failed.lines.join('\n')).not.toContain('s3cret');
  });

  it('waits longer after each failure, never more than the maximum', () => {
    const delays = Array.from({ length: 40 }, (_, retries) => reconnectDelay(retries, () => 0));
    expect(delays[0]).toBe(100);
    expect(delays[1]).toBe(200);
    expect(Math.max(...delays)).toBe(RECONNECT_MAX_MS);
    expect(reconnectDelay(40, () => 1)).toBeGreaterThanOrEqual(RECONNECT_MAX_MS * 0.8);
    expect(redisEndpoint('rediss://user:pw@redis.example.fr:6380/0')).toBe('rediss://redis.example.fr:6380');
  });
});
