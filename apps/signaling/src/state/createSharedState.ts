import { pino, type Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { InMemoryAdmissions, type Admissions } from '../rooms/Admissions.ts';
import { InMemoryEndedMeetings, type EndedMeetings } from '../rooms/EndedMeetings.ts';
import { InMemoryHeldOut, type HeldOut } from '../rooms/HeldOut.ts';
import { InMemoryMlsDeliveryStore, type MlsDeliveryStore } from '../mls/MlsDeliveryStore.ts';
import { RedisMlsDeliveryStore } from '../mls/RedisMlsDeliveryStore.ts';
import { RedisAdmissions } from '../rooms/RedisAdmissions.ts';
import { RedisEndedMeetings } from '../rooms/RedisEndedMeetings.ts';
import { RedisHeldOut } from '../rooms/RedisHeldOut.ts';
import { RedisRevocations } from '../rooms/RedisRevocations.ts';
import { RedisRoleOverrides } from '../rooms/RedisRoleOverrides.ts';
import { OwnerRoomState } from '../rooms/OwnerRoomState.ts';
import { RedisRoomState } from '../rooms/RedisRoomState.ts';
import { InMemoryRevocations, type Revocations } from '../rooms/Revocations.ts';
import { InMemoryRoleOverrides, type RoleOverrides } from '../rooms/RoleOverrides.ts';
import { InMemoryRoomState, type RoomState } from '../rooms/RoomState.ts';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from './RateLimiterFactory.ts';
import { RedisRateLimiterFactory } from './RedisRateLimiterFactory.ts';
import { ReplayedHeldOut } from './ReplayedHeldOut.ts';
import { ReplayLog } from './ReplayLog.ts';
import {
  ReplayedAdmissions,
  ReplayedEndedMeetings,
  ReplayedRevocations,
  ReplayedRoleOverrides,
} from './replayedStores.ts';

/** Everything several signaling nodes must agree on, behind one interface each. */
export interface SharedState {
  /** `memory`: this process only (one node); `redis`: shared by every node using the same Redis. */
  readonly kind: 'memory' | 'redis';
  readonly roomState: RoomState;
  readonly revocations: Revocations;
  readonly roleOverrides: RoleOverrides;
  readonly endedMeetings: EndedMeetings;
  readonly admissions: Admissions;
  /** Members a host sent back to the waiting room (deliberation): they wait for admission. */
  readonly heldOut: HeldOut;
  /**
   * The MLS Delivery Service's epochs, key packages and group counts: in Redis,
   * the node taking a meeting over goes on from the same epoch, and two nodes
   * racing for one epoch get one winner (not replayed: after Redis restarted
   * empty, members join again and one makes a new group).
   */
  readonly mls: MlsDeliveryStore;
  /** Where every rate limiter is made (see which are shared in RoomGateway and the HTTP routes). */
  readonly rateLimiters: RateLimiterFactory;
  readonly closed: boolean;
  /**
   * Redis came back without `roomId`'s lease, which this node re-established
   * (MeetingLeases' `reestablished`): writes the room's state back from this
   * owner's memory. Nothing to do in memory, or for a room this node does not own.
   */
  reestablished(roomId: string): Promise<void>;
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
  /** Where write-backs after a Redis outage are told; silent by default. */
  logger?: Logger;
}

/**
 * The shared state of signaling: in memory by default, in Redis when given a
 * client. In Redis, nothing is lost when Redis restarts empty (it keeps
 * nothing on disk): with a fence (several nodes), each owner keeps its
 * meetings' rooms in memory and writes them back (OwnerRoomState); and every
 * revocation, role change, ended meeting and admission this node wrote is
 * written again each time the connection to Redis comes back (ReplayLog).
 */
export function createSharedState(options: SharedStateOptions = {}): SharedState {
  const { parts, reestablished, close } = options.redis
    ? inRedis(options.redis, options)
    : { parts: inMemory(options), reestablished: () => Promise.resolve(), close: () => undefined };
  let closed = false;
  return {
    ...parts,
    get closed() {
      return closed;
    },
    reestablished,
    close() {
      if (!closed) {
        closed = true;
        close();
      }
      return Promise.resolve();
    },
  };
}

type Parts = Omit<SharedState, 'closed' | 'close' | 'reestablished'>;

function inMemory(options: SharedStateOptions): Parts {
  const now = options.now ?? Date.now;
  return {
    kind: 'memory',
    roomState: new InMemoryRoomState(),
    revocations: new InMemoryRevocations({ now }),
    roleOverrides: new InMemoryRoleOverrides({ now }),
    endedMeetings: new InMemoryEndedMeetings({ now }),
    admissions: new InMemoryAdmissions({ now }),
    heldOut: new InMemoryHeldOut({ now }),
    mls: new InMemoryMlsDeliveryStore(),
    rateLimiters: new MemoryRateLimiterFactory(),
  };
}

function inRedis(
  client: RedisClientType,
  options: SharedStateOptions,
): { parts: Parts; reestablished: (roomId: string) => Promise<void>; close: () => void } {
  const keyPrefix = options.keyPrefix ?? '';
  const logger = options.logger ?? pino({ level: 'silent' });
  const shared = new RedisRoomState({
    client,
    keyPrefix,
    ...(options.fence ? { fence: options.fence } : {}),
  });
  const owner = options.fence ? new OwnerRoomState({ shared, fenceOf: options.fence, logger }) : undefined;
  const log = new ReplayLog({ logger, ...(options.now ? { now: options.now } : {}) });
  const deps = { log, logger, ...(options.now ? { now: options.now } : {}) };
  // The client was ready before this: every later `ready` is Redis back after an outage.
  const onReady = (): void => {
    void log.replayAll();
  };
  client.on('ready', onReady);
  return {
    parts: {
      kind: 'redis',
      roomState: owner ?? shared,
      revocations: new ReplayedRevocations(new RedisRevocations({ client, keyPrefix }), deps),
      roleOverrides: new ReplayedRoleOverrides(new RedisRoleOverrides({ client, keyPrefix }), deps),
      endedMeetings: new ReplayedEndedMeetings(new RedisEndedMeetings({ client, keyPrefix }), deps),
      admissions: new ReplayedAdmissions(new RedisAdmissions({ client, keyPrefix }), deps),
      heldOut: new ReplayedHeldOut(new RedisHeldOut({ client, keyPrefix }), deps),
      mls: new RedisMlsDeliveryStore({ client, keyPrefix }),
      rateLimiters: new RedisRateLimiterFactory({ client, keyPrefix }),
    },
    reestablished: (roomId) => owner?.writeBack(roomId) ?? Promise.resolve(),
    close: () => {
      owner?.close();
      client.off('ready', onReady);
    },
  };
}
