import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ADMISSION_GRACE_MS, InMemoryAdmissions } from '../../src/rooms/Admissions.ts';
import { InMemoryEndedMeetings } from '../../src/rooms/EndedMeetings.ts';
import { RedisAdmissions } from '../../src/rooms/RedisAdmissions.ts';
import { RedisEndedMeetings } from '../../src/rooms/RedisEndedMeetings.ts';
import { RedisRevocations } from '../../src/rooms/RedisRevocations.ts';
import { RedisRoleOverrides } from '../../src/rooms/RedisRoleOverrides.ts';
import { RedisRoomState } from '../../src/rooms/RedisRoomState.ts';
import { InMemoryRevocations } from '../../src/rooms/Revocations.ts';
import { InMemoryRoleOverrides } from '../../src/rooms/RoleOverrides.ts';
import { InMemoryRoomState } from '../../src/rooms/RoomState.ts';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { createSharedState } from '../../src/state/createSharedState.ts';
import { MemoryRateLimiterFactory } from '../../src/state/RateLimiterFactory.ts';
import { RedisRateLimiterFactory } from '../../src/state/RedisRateLimiterFactory.ts';
import { admissionsContract } from './admissions.contract.ts';
import { ENDED_TTL_MS, endedMeetingsContract } from './endedMeetings.contract.ts';
import { rateLimitersContract } from './rateLimiters.contract.ts';
import { revocationsContract } from './revocations.contract.ts';
import { roleOverridesContract } from './roleOverrides.contract.ts';
import { fakeClock, KINDS, useStateEnvironment } from './support.ts';

describe.each(KINDS)('shared state (%s)', (kind) => {
  const env = useStateEnvironment(kind);
  const redis = () => ({ client: env.client, keyPrefix: env.prefix() });

  describe('Revocations', () => {
    revocationsContract(() => {
      const clock = env.clock();
      return {
        clock,
        subject:
          kind === 'memory' ? new InMemoryRevocations({ now: clock.now }) : new RedisRevocations(redis()),
      };
    });
  });

  describe('RoleOverrides', () => {
    roleOverridesContract(() => {
      const clock = env.clock();
      return {
        clock,
        subject:
          kind === 'memory' ? new InMemoryRoleOverrides({ now: clock.now }) : new RedisRoleOverrides(redis()),
      };
    });
  });

  describe('EndedMeetings', () => {
    endedMeetingsContract(() => {
      const clock = env.clock();
      return {
        clock,
        subject:
          kind === 'memory'
            ? new InMemoryEndedMeetings({ now: clock.now, ttlMs: ENDED_TTL_MS })
            : new RedisEndedMeetings({ ...redis(), ttlMs: ENDED_TTL_MS }),
      };
    });
  });

  describe('Admissions', () => {
    admissionsContract(() => {
      const clock = env.clock();
      return {
        clock,
        subject:
          kind === 'memory' ? new InMemoryAdmissions({ now: clock.now }) : new RedisAdmissions(redis()),
      };
    });
  });

  describe('RateLimiterFactory', () => {
    rateLimitersContract(() => ({
      clock: env.clock(),
      subject: kind === 'memory' ? new MemoryRateLimiterFactory() : new RedisRateLimiterFactory(redis()),
    }));
  });

  it('is made by createSharedState: in Redis when given a client, in memory otherwise', () => {
    const shared = createSharedState(kind === 'memory' ? {} : { redis: env.client, keyPrefix: env.prefix() });
    expect(shared.kind).toBe(kind);
    expect(shared.roomState).toBeInstanceOf(kind === 'memory' ? InMemoryRoomState : RedisRoomState);
    expect(shared.rateLimiters).toBeInstanceOf(
      kind === 'memory' ? MemoryRateLimiterFactory : RedisRateLimiterFactory,
    );
  });
});

describe('in memory only', () => {
  it('keeps a member in the room admitted however long the meeting lasts', async () => {
    const clock = fakeClock();
    const admissions = new InMemoryAdmissions({ now: clock.now });
    await admissions.entered('room-a', 'm1');
    await clock.advance(365 * 24 * 3600 * 1000);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
    await admissions.left('room-a', 'm1', clock.now() + ADMISSION_GRACE_MS);
    await clock.advance(ADMISSION_GRACE_MS);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
  });

  it('forgets the oldest ended meetings first past its bound, so it never grows without end', async () => {
    const clock = fakeClock();
    const ended = new InMemoryEndedMeetings({ now: clock.now });
    for (let i = 0; i <= 100_000; i++) {
      await ended.end(`room-${i}`);
    }
    expect(await ended.isEnded('room-0')).toBe(false);
    expect(await ended.isEnded('room-1')).toBe(true);
    expect(await ended.isEnded('room-100000')).toBe(true);
  });
});

describe('in Redis only', () => {
  const env = useStateEnvironment('redis');

  it('shares one count between two nodes, each with its own connection', async () => {
    const keyPrefix = env.prefix();
    const other = await connectRedis({ url: env.server.url, logger: pino({ level: 'silent' }) });
    try {
      const a = new RedisRateLimiterFactory({ client: env.client, keyPrefix }).create('shared', {
        points: 3,
        duration: 60,
      });
      const b = new RedisRateLimiterFactory({ client: other, keyPrefix }).create('shared', {
        points: 3,
        duration: 60,
      });
      await a.consume('client-1');
      await b.consume('client-1');
      await a.consume('client-1');
      await expect(b.consume('client-1')).rejects.toMatchObject({ remainingPoints: 0 });
      expect(await env.client.get(`${keyPrefix}rl:shared:client-1`)).toBe('4');
    } finally {
      await closeRedis(other);
    }
  });

  it('keeps revocations, roles, ended meetings and admissions under the prefix, expiring', async () => {
    const keyPrefix = env.prefix();
    const shared = createSharedState({ redis: env.client, keyPrefix });
    const until = Date.now() + 60_000;
    await shared.revocations.revoke('jti', 'token-1', until);
    await shared.roleOverrides.set('member-1', 'observer', until);
    await shared.endedMeetings.end('room-1');
    await shared.admissions.entered('room-1', 'member-1');
    for (const key of ['revoked:jti:token-1', 'role:member-1', 'ended:room-1', 'admission:member-1']) {
      const ttl = await env.client.pTTL(`${keyPrefix}${key}`);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(24 * 60 * 60 * 1000);
    }
    expect(await env.client.get(`${keyPrefix}admission:member-1`)).toBe('room-1');
    expect(await env.client.get(`${keyPrefix}role:member-1`)).toBe('observer');
    await shared.close();
    expect(shared.closed).toBe(true);
  });
});
