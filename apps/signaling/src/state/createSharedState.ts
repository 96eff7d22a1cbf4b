import type { RedisClientType } from 'redis';
import { InMemoryAdmissions, type Admissions } from '../rooms/Admissions.ts';
import { InMemoryEndedMeetings, type EndedMeetings } from '../rooms/EndedMeetings.ts';
import { RedisAdmissions } from '../rooms/RedisAdmissions.ts';
import { RedisEndedMeetings } from '../rooms/RedisEndedMeetings.ts';
import { RedisRevocations } from '../rooms/RedisRevocations.ts';
import { RedisRoleOverrides } from '../rooms/RedisRoleOverrides.ts';
import { RedisRoomState } from '../rooms/RedisRoomState.ts';
import { InMemoryRevocations, type Revocations } from '../rooms/Revocations.ts';
import { InMemoryRoleOverrides, type RoleOverrides } from '../rooms/RoleOverrides.ts';
import { InMemoryRoomState, type RoomState } from '../rooms/RoomState.ts';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from './RateLimiterFactory.ts';
import { RedisRateLimiterFactory } from './RedisRateLimiterFactory.ts';

/** Everything several signaling nodes must agree on, behind one interface each. */
export interface SharedState {
  /** `memory`: this process only (one node); `redis`: shared by every node using the same Redis. */
  readonly kind: 'memory' | 'redis';
  readonly roomState: RoomState;
  readonly revocations: Revocations;
  readonly roleOverrides: RoleOverrides;
  readonly endedMeetings: EndedMeetings;
  readonly admissions: Admissions;
  /** Where every rate limiter is made (see which are shared in RoomGateway and the HTTP routes). */
  readonly rateLimiters: RateLimiterFactory;
  readonly closed: boolean;
  /** Idempotent. The Redis client stays open: it is the caller's (see connectRedis). */
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** A connected client (connectRedis): everything in Redis. None: everything in this process, as on one node. */
  redis?: RedisClientType | undefined;
  /** The clock of the in-memory stores (tests); Redis expires keys by its own. */
  now?: () => number;
  /** Put before every Redis key (several deployments sharing one Redis); none by default. */
  keyPrefix?: string;
  /**
   * Redis only: this node's fence for a meeting it owns (its lease's);
   * room-state writes with another fence than the meeting's are refused
   * (StaleOwnerError). None: unchecked (one node).
   */
  fence?: (roomId: string) => string | undefined;
}

/** The shared state of signaling: in memory by default, in Redis when given a client. */
export function createSharedState(options: SharedStateOptions = {}): SharedState {
  const parts = options.redis ? inRedis(options.redis, options) : inMemory(options);
  let closed = false;
  return {
    ...parts,
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

type Parts = Omit<SharedState, 'closed' | 'close'>;

function inMemory(options: SharedStateOptions): Parts {
  const now = options.now ?? Date.now;
  return {
    kind: 'memory',
    roomState: new InMemoryRoomState(),
    revocations: new InMemoryRevocations({ now }),
    roleOverrides: new InMemoryRoleOverrides({ now }),
    endedMeetings: new InMemoryEndedMeetings({ now }),
    admissions: new InMemoryAdmissions({ now }),
    rateLimiters: new MemoryRateLimiterFactory(),
  };
}

function inRedis(client: RedisClientType, options: SharedStateOptions): Parts {
  const keyPrefix = options.keyPrefix ?? '';
  return {
    kind: 'redis',
    roomState: new RedisRoomState({
      client,
      keyPrefix,
      ...(options.fence ? { fence: options.fence } : {}),
    }),
    revocations: new RedisRevocations({ client, keyPrefix }),
    roleOverrides: new RedisRoleOverrides({ client, keyPrefix }),
    endedMeetings: new RedisEndedMeetings({ client, keyPrefix }),
    admissions: new RedisAdmissions({ client, keyPrefix }),
    rateLimiters: new RedisRateLimiterFactory({ client, keyPrefix }),
  };
}
