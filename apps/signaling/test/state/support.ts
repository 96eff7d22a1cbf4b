/**
 * What the shared-state contract suites run on: each suite is one function
 * taking a factory, run once against the in-memory implementation (with a
 * fake clock) and once against Redis (a real redis-server, real short TTLs).
 * Every Redis subject gets a key prefix of its own, so tests never see each
 * other's keys.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { LobbyEntry, MemberInfo, MemberRole, ProducerInfo } from '@confidentiel/protocol';
import type { RedisClientType } from 'redis';
import { pino } from 'pino';
import { closeRedis, connectRedis } from '../../src/redis/connectRedis.ts';
import { sleep } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';

export const KINDS = ['memory', 'redis'] as const;
export type Kind = (typeof KINDS)[number];

/** Time as a subject sees it: faked in memory, real (with real waits) in Redis. */
export interface Clock {
  now: () => number;
  advance: (ms: number) => Promise<void>;
}

export interface Fixture<T> {
  subject: T;
  clock: Clock;
}

/** A time unit for expiry tests: short enough to wait for in Redis, long enough to be measured on a busy machine. */
export const T = 400;

export function fakeClock(start = 1_700_000_000_000): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
      return Promise.resolve();
    },
  };
}

export const realClock: Clock = { now: () => Date.now(), advance: (ms) => sleep(ms) };

export interface StateEnvironment {
  readonly kind: Kind;
  /** A fake clock in memory, the real one with Redis. */
  clock(): Clock;
  /** A key prefix no other subject uses. */
  prefix(): string;
  /** The connected client (Redis only). */
  readonly client: RedisClientType;
  /** The server (Redis only). */
  readonly server: RedisServer;
}

/** Registers the hooks of `kind` in the current describe block (a redis-server for 'redis'). */
export function useStateEnvironment(kind: Kind): StateEnvironment {
  let server: RedisServer | undefined;
  let client: RedisClientType | undefined;
  if (kind === 'redis') {
    beforeAll(async () => {
      server = await startRedisServer();
      client = await connectRedis({ url: server.url, logger: pino({ level: 'silent' }) });
    });
    afterAll(async () => {
      if (client) {
        await closeRedis(client);
      }
      await server?.stop();
    });
  }
  return {
    kind,
    clock: () => (kind === 'memory' ? fakeClock() : realClock),
    prefix: () => `test:${randomUUID()}:`,
    get client() {
      if (!client) {
        throw new Error('no Redis client in this environment');
      }
      return client;
    },
    get server() {
      if (!server) {
        throw new Error('no Redis server in this environment');
      }
      return server;
    },
  };
}

/** A public key as browsers send them (base64url, 87 characters). */
const KEY = 'A'.repeat(86) + 'Q';

export function member(n: number, role: MemberRole = 'participant', joinedAt = 1_000 + n): MemberInfo {
  return {
    memberId: `member-${String(n).padStart(4, '0')}`,
    displayName: `Membre n°${n} Éloïse`,
    joinedAt,
    identity: { ecdh: KEY, sign: KEY },
    senderIndex: n,
    role,
  };
}

export function producer(
  n: number,
  memberId: string,
  source: ProducerInfo['source'] = 'microphone',
  paused = false,
): ProducerInfo {
  return {
    producerId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    memberId,
    kind: source === 'microphone' || source === 'screen-audio' ? 'audio' : 'video',
    source,
    paused,
  };
}

export function guest(n: number, needsAdmission = true, waitingSince = 2_000 + n): LobbyEntry {
  return {
    memberId: `guest-${String(n).padStart(4, '0')}`,
    displayName: `Invité ${n}`,
    waitingSince,
    needsAdmission,
    identity: { ecdh: KEY, sign: KEY },
  };
}

/** Sorted by id, for comparisons that do not depend on order. */
export function byId<T extends { memberId: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
}
