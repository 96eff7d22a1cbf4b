import type { RedisClientType } from 'redis';
import { meetingIdSchema } from '@confidentiel/protocol';
import { fenceKey } from '../cluster/MeetingLeases.ts';
import { LuaScript } from '../redis/LuaScript.ts';
import { StaleOwnerError } from '../rooms/StaleOwnerError.ts';
import type { CommitteeSnapshot } from './CommitteeSnapshot.ts';
import { readStoredSnapshot, snapshotText, type CommitteeSnapshotStore } from './CommitteeSnapshotStore.ts';

/**
 * How long a snapshot outlives its last save. The owner saves at every change, so only an
 * abandoned meeting's snapshot (its owner and every node gone) ever expires; it bounds how long
 * the ballots of a vote left open stay in Redis.
 */
export const SNAPSHOT_TTL_MS = 24 * 60 * 60_000;

export const committeeSnapshotKey = (roomId: string): string => `meeting:${roomId}:committee`;

/**
 * KEYS[1] fence, KEYS[2] snapshot; ARGV[1] the writer's fence, ARGV[2] op (set|del), ARGV[3] JSON,
 * ARGV[4] ttl ms. 1: done. 0: no lease, or another owner's fence: nothing changed.
 */
const FENCED_WRITE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == 'set' then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
else
  redis.call('DEL', KEYS[2])
end
return 1
`);

export interface RedisCommitteeSnapshotStoreOptions {
  redis: RedisClientType;
  ttlMs?: number;
}

/**
 * Snapshots in Redis (`meeting:{id}:committee`, JSON), each write checked against the meeting's
 * lease fence (`meeting:{id}:fence`) in the same Lua script, so a stale owner cannot overwrite the
 * new owner's snapshot, even by a write that was in flight when it lost the lease. A fence is
 * required: in a cluster every write is an owner's.
 */
export class RedisCommitteeSnapshotStore implements CommitteeSnapshotStore {
  readonly #redis: RedisClientType;
  readonly #ttlMs: number;

  constructor(options: RedisCommitteeSnapshotStoreOptions) {
    const ttlMs = options.ttlMs ?? SNAPSHOT_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
      throw new TypeError('ttlMs must be a positive integer');
    }
    this.#redis = options.redis;
    this.#ttlMs = ttlMs;
  }

  async save(roomId: string, snapshot: CommitteeSnapshot, fence?: string): Promise<void> {
    await this.#fenced(roomId, fence, 'set', snapshotText(roomId, snapshot));
  }

  async load(roomId: string): Promise<CommitteeSnapshot | undefined> {
    const text = await this.#redis.get(keyOf(roomId));
    return text === null ? undefined : readStoredSnapshot(roomId, text);
  }

  async delete(roomId: string, fence?: string): Promise<void> {
    await this.#fenced(roomId, fence, 'del', '');
  }

  async #fenced(roomId: string, fence: string | undefined, op: 'set' | 'del', text: string): Promise<void> {
    if (fence === undefined) {
      throw new TypeError('a write to the shared committee snapshot needs the owner’s fence');
    }
    const done = await FENCED_WRITE.run(
      this.#redis,
      [fenceKey(roomId), keyOf(roomId)],
      [fence, op, text, String(this.#ttlMs)],
    );
    if (done !== 1) {
      throw StaleOwnerError.fenceMoved(roomId);
    }
  }
}

/** The id becomes part of a key: only the strict meeting id alphabet. */
function keyOf(roomId: string): string {
  if (!meetingIdSchema.safeParse(roomId).success) {
    throw new TypeError('not a meeting id');
  }
  return committeeSnapshotKey(roomId);
}
