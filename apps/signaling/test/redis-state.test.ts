/**
 * Signaling with REDIS_URL: the real service (real SFU, real Socket.IO, real
 * redis-server) keeps its rooms, lobby and revocations in Redis, where a
 * second node sharing the Redis sees them. Any other suite runs against Redis
 * too with SIGNALING_TEST_REDIS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { RedisClientType } from 'redis';
import { PROTOCOL_VERSION } from '@confidentiel/protocol';
import { loadSignalingConfig } from '../src/config.ts';
import { closeRedis, connectRedis } from '../src/redis/connectRedis.ts';
import { startSignaling, type RunningSignaling } from '../src/startSignaling.ts';
import {
  attemptConnect,
  captureLogger,
  ORIGIN,
  refusalOf,
  request,
  startHarness,
  TEST_IDENTITY,
  waitFor,
  type Harness,
} from './support/harness.ts';
import { arrive, issueToken, organiserMeeting, seen } from './security/support.ts';

describe('signaling with its room state in Redis', () => {
  let h: Harness;
  let redis: RedisClientType;

  beforeAll(async () => {
    h = await startHarness({ redis: true });
    redis = await connectRedis({ url: h.redis!.url, logger: pino({ level: 'silent' }) });
  }, 30_000);

  afterAll(async () => {
    await closeRedis(redis);
    await h?.close();
  });

  it('keeps the lobby and the members in Redis, and counts them from there', async () => {
    const room = await organiserMeeting(h);
    const guest = await arrive(h, { room, name: 'Ada' });
    expect(guest.answer).toMatchObject({ status: 'waiting', reason: 'no-host' });
    expect(await redis.hKeys(`room:${room}:waiting`)).toEqual([guest.memberId]);

    const host = await arrive(h, { room, name: 'Hôte', role: 'host' });
    expect(host.answer.status).toBe('joined');
    await waitFor('the guest let in when the host arrived', () => seen(guest, 'admitted').length === 1);
    expect((await redis.hKeys(`room:${room}:members`)).sort()).toEqual(
      [guest.memberId, host.memberId].sort(),
    );
    expect(await redis.exists(`room:${room}:waiting`)).toBe(0);
    expect(await redis.hGetAll(`room:${room}:roles`)).toEqual({
      [host.memberId]: 'host',
      [guest.memberId]: 'participant',
    });
    expect(await redis.get(`admission:${guest.memberId}`)).toBe(room);
    expect(await h.memberCount()).toBe(2);

    host.socket.disconnect();
    guest.socket.disconnect();
    await waitFor('the room to be forgotten', async () => (await redis.exists(`room:${room}:members`)) === 0);
    expect(await h.memberCount()).toBe(0);
  });

  it('refuses on a second node a member the first node removed (the revocations are shared)', async () => {
    const logs = captureLogger('signaling-b');
    const second: RunningSignaling = await startSignaling(
      loadSignalingConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        ALLOWED_ORIGINS: ORIGIN,
        SFU_URL: `http://127.0.0.1:${h.sfu.controlPort}`,
        SFU_CONTROL_SECRET: h.secret,
        TOKEN_SECRET: h.tokenSecret,
        LOG_LEVEL: 'debug',
        DATABASE_PATH: ':memory:',
        REDIS_URL: h.redis!.url,
      }),
      // One database for both nodes, as with PostgreSQL.
      { logger: logs.logger, meetings: h.signaling.meetings },
    );
    try {
      const room = await organiserMeeting(h, true);
      const host = await arrive(h, { room, name: 'Hôte', role: 'host' });
      const bob = await arrive(h, { room, name: 'Bob' });
      expect(bob.answer.status).toBe('joined');
      expect(
        refusalOf(await request(host.socket, 'removeMember', { memberId: bob.memberId })),
      ).toBeUndefined();
      await waitFor('Bob told', () => seen(bob, 'roomClosed').length === 1);

      // The same token, then a fresh one for the same member, on the other node.
      const fresh = issueToken(h.roomTokens, { room, name: 'Bob' }, { memberId: bob.memberId });
      for (const token of [bob.token.token, fresh.token]) {
        const outcome = await attemptConnect(second.url, {
          auth: { token, protocolVersion: PROTOCOL_VERSION },
        });
        expect(outcome.kind).toBe('connected');
        const answer = await request(outcome.socket, 'join', { identity: TEST_IDENTITY });
        expect(refusalOf(answer)).toBe('removed');
        outcome.socket.close();
      }
      host.socket.disconnect();
    } finally {
      await second.close();
    }
  });
});
