import { TypedEmitter } from '@confidentiel/events';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { RECONNECT_MAX_MS } from '../redis/connectRedis.ts';

/** Who owns a meeting, seen from this node. */
export type LeaseAnswer =
  | { owner: 'self'; fence: string }
  | { owner: 'other'; nodeId: string }
  /**
   * Redis came back empty moments ago and nobody holds the meeting yet: its
   * owner may be about to re-establish its lease (ask again shortly).
   */
  | { owner: 'unsettled' };

export type MeetingLeasesEvents = {
  /** This node lost a meeting (another node holds it now): drop it, write nothing more. */
  lost: [roomId: string];
  /** Redis came back without our lease (it keeps nothing on disk): we re-established it; write the meeting back. */
  reestablished: [roomId: string];
};

/**
 * One owner per meeting at a time. The owner is the only node that runs the
 * meeting and writes its state; every write it replicates carries its fence,
 * which the store checks against `meeting:{id}:fence`.
 */
export interface MeetingLeases extends TypedEmitter<MeetingLeasesEvents> {
  readonly nodeId: string;
  /** Ours (claimed now if nobody holds it), or who holds it. */
  acquire(roomId: string): Promise<LeaseAnswer>;
  /** Our fence for a meeting we hold; undefined otherwise. */
  fenceOf(roomId: string): string | undefined;
  /** The meetings this node holds. */
  held(): string[];
  /** Gives a meeting up (a graceful handover, or the meeting is over). */
  release(roomId: string): Promise<void>;
  close(): Promise<void>;
}

/** One node: it owns every meeting, with fence 0. */
export class LocalLeases extends TypedEmitter<MeetingLeasesEvents> implements MeetingLeases {
  readonly nodeId: string;
  readonly #held = new Set<string>();

  constructor(nodeId = 'local') {
    super();
    this.nodeId = nodeId;
  }

  acquire(roomId: string): Promise<LeaseAnswer> {
    this.#held.add(roomId);
    return Promise.resolve({ owner: 'self', fence: '0' });
  }

  fenceOf(roomId: string): string | undefined {
    return this.#held.has(roomId) ? '0' : undefined;
  }

  held(): string[] {
    return [...this.#held];
  }

  release(roomId: string): Promise<void> {
    this.#held.delete(roomId);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#held.clear();
    return Promise.resolve();
  }
}

/** A lease lives this long without renewal: a dead owner's meetings move after at most this. */
export const LEASE_MS = 3_000;
/** Leases are renewed this often (three chances before expiry). */
export const RENEW_EVERY_MS = 1_000;

export const ownerKey = (roomId: string): string => `meeting:${roomId}:owner`;
export const fenceKey = (roomId: string): string => `meeting:${roomId}:fence`;

/**
 * After this node's connection to Redis comes back, for this long it claims
 * no meeting Redis knows nothing of (no fence): Redis may have restarted
 * empty, and the meeting's owner gets the time to reconnect (every node
 * retries at most RECONNECT_MAX_MS apart) and re-establish its lease.
 */
export const REESTABLISH_GRACE_MS = RECONNECT_MAX_MS + LEASE_MS;

/**
 * KEYS[1] owner, KEYS[2] fence; ARGV[1] node id, ARGV[2] lease ms, ARGV[3]
 * '1': claim only a meeting that had an owner since Redis started (a fence).
 * Free: take it with a new fence. Ours: extend. Another's: say whose.
 * {0, ''}: free but unknown to Redis, and ARGV[3] said not to claim it.
 */
const ACQUIRE = `
local owner = redis.call('GET', KEYS[1])
if not owner then
  if ARGV[3] == '1' and not redis.call('GET', KEYS[2]) then
    return {0, ''}
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, tostring(redis.call('INCR', KEYS[2]))}
end
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, redis.call('GET', KEYS[2]) or '0'}
end
return {0, owner}
`;

/**
 * KEYS[1] owner, KEYS[2] fence; ARGV[1] node id, ARGV[2] lease ms, ARGV[3] our fence.
 * 1: renewed. 2: Redis had forgotten the meeting (restarted empty): re-established with our fence.
 * 0: another node holds it, or the fence moved on: lost.
 */
const RENEW = `
local owner = redis.call('GET', KEYS[1])
local fence = redis.call('GET', KEYS[2])
if owner == ARGV[1] and fence == ARGV[3] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not owner and (not fence or tonumber(fence) <= tonumber(ARGV[3])) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SET', KEYS[2], ARGV[3])
  return 2
end
return 0
`;

/** KEYS[1] owner; ARGV[1] node id. Deletes the owner key only if it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface RedisLeasesOptions {
  redis: RedisClientType;
  nodeId: string;
  logger: Logger;
  leaseMs?: number;
  renewEveryMs?: number;
  /** See REESTABLISH_GRACE_MS. */
  reestablishGraceMs?: number;
}

/**
 * Leases in Redis: claim, renewal and release are one Lua script each, so
 * two nodes claiming a meeting get exactly one winner, and a node renews
 * only a lease that is still its own with its own fence. A renewal that
 * cannot reach Redis keeps the meeting (nobody else can claim it either);
 * one that finds another owner drops it (`lost`).
 */
export class RedisLeases extends TypedEmitter<MeetingLeasesEvents> implements MeetingLeases {
  readonly nodeId: string;
  readonly #redis: RedisClientType;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #fences = new Map<string, string>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #graceMs: number;
  #graceUntil = 0;
  #renewing = false;
  #closed = false;

  constructor(options: RedisLeasesOptions) {
    super((error, event) => options.logger.error({ err: error }, `listener of ${String(event)} threw`));
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#leaseMs = options.leaseMs ?? LEASE_MS;
    this.#graceMs = options.reestablishGraceMs ?? REESTABLISH_GRACE_MS;
    this.#timer = setInterval(() => void this.#renewAll(), options.renewEveryMs ?? RENEW_EVERY_MS);
    this.#timer.unref();
    // The client was ready before: a `ready` now is Redis back after an outage, maybe empty.
    this.#redis.on('ready', this.#onReconnected);
  }

  readonly #onReconnected = (): void => {
    this.#graceUntil = Date.now() + this.#graceMs;
    // Our leases first, before another node claims a meeting Redis forgot.
    void this.#renewAll();
  };

  async acquire(roomId: string): Promise<LeaseAnswer> {
    const holdBack = !this.#fences.has(roomId) && Date.now() < this.#graceUntil;
    const reply = (await this.#redis.eval(ACQUIRE, {
      keys: [ownerKey(roomId), fenceKey(roomId)],
      arguments: [this.nodeId, String(this.#leaseMs), holdBack ? '1' : '0'],
    })) as [number, string];
    const [mine, value] = reply;
    if (mine === 0 && value === '') {
      return { owner: 'unsettled' };
    }
    if (mine === 1) {
      const fence = String(value);
      this.#fences.set(roomId, fence);
      return { owner: 'self', fence };
    }
    // Someone else holds it: if we thought we did, we lost it.
    if (this.#fences.delete(roomId)) {
      this.emit('lost', roomId);
    }
    return { owner: 'other', nodeId: String(value) };
  }

  fenceOf(roomId: string): string | undefined {
    return this.#fences.get(roomId);
  }

  held(): string[] {
    return [...this.#fences.keys()];
  }

  async release(roomId: string): Promise<void> {
    if (!this.#fences.delete(roomId)) {
      return;
    }
    await this.#redis
      .eval(RELEASE, { keys: [ownerKey(roomId)], arguments: [this.nodeId] })
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not release a meeting lease'));
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    this.#redis.off('ready', this.#onReconnected);
    await Promise.all(this.held().map((roomId) => this.release(roomId)));
  }

  async #renewAll(): Promise<void> {
    if (this.#renewing || this.#closed) {
      return;
    }
    this.#renewing = true;
    try {
      for (const [roomId, fence] of [...this.#fences]) {
        let result: number;
        try {
          result = (await this.#redis.eval(RENEW, {
            keys: [ownerKey(roomId), fenceKey(roomId)],
            arguments: [this.nodeId, String(this.#leaseMs), fence],
          })) as number;
        } catch (error) {
          // Redis unreachable: nobody can claim the meeting meanwhile; keep it and try again.
          this.#logger.debug({ err: error }, 'lease renewal failed');
          return;
        }
        if (this.#fences.get(roomId) !== fence) {
          continue;
        }
        if (result === 0) {
          this.#fences.delete(roomId);
          this.#logger.warn({ room: roomId.slice(0, 6) }, 'meeting lease lost to another node');
          this.emit('lost', roomId);
        } else if (result === 2) {
          this.#logger.info(
            { room: roomId.slice(0, 6) },
            'meeting lease re-established after Redis came back',
          );
          this.emit('reestablished', roomId);
        }
      }
    } finally {
      this.#renewing = false;
    }
  }
}
