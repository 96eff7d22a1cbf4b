import type { RedisClientType } from 'redis';
import { z } from 'zod';
import { identityKeysSchema, memberRoleSchema } from '@confidentiel/protocol';
import { StaleOwnerError } from '../rooms/StaleOwnerError.ts';
import { fenceKey } from './MeetingLeases.ts';
import { wireIdentitySchema } from './wire.ts';

/**
 * What a new owner needs to carry on a member's session after taking a
 * meeting over: who (the verified token claims), where its socket is, how far
 * it got (in the room or in the lobby), its identity keys and current role.
 */
export const sessionRecordSchema = z.strictObject({
  memberId: z.string().min(1).max(64),
  socketId: z.string().min(1).max(64),
  entryNode: z.string().min(1).max(128),
  identity: wireIdentitySchema,
  phase: z.enum(['joined', 'waiting']),
  keys: identityKeysSchema.nullable(),
  role: memberRoleSchema,
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/** The members' sessions of each meeting, replicated by its owner. */
export interface SessionRecords {
  put(roomId: string, record: SessionRecord, fence: string): Promise<void>;
  remove(roomId: string, memberId: string, fence: string): Promise<void>;
  all(roomId: string): Promise<SessionRecord[]>;
  clear(roomId: string, fence: string): Promise<void>;
}

/** One node: nobody takes over, nothing to keep. */
export class NoSessionRecords implements SessionRecords {
  put(): Promise<void> {
    return Promise.resolve();
  }

  remove(): Promise<void> {
    return Promise.resolve();
  }

  all(): Promise<SessionRecord[]> {
    return Promise.resolve([]);
  }

  clear(): Promise<void> {
    return Promise.resolve();
  }
}

export const sessionsKey = (roomId: string): string => `meeting:${roomId}:sessions`;

/** KEYS[1] fence, KEYS[2] hash; ARGV[1] fence, ARGV[2] op (put|del|clear), ARGV[3] field, ARGV[4] value. */
const FENCED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == 'put' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
elseif ARGV[2] == 'del' then
  redis.call('HDEL', KEYS[2], ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
return 1
`;

/** A hash per meeting (`meeting:{id}:sessions`, member id → JSON), every write checked against the fence. */
export class RedisSessionRecords implements SessionRecords {
  readonly #redis: RedisClientType;

  constructor(redis: RedisClientType) {
    this.#redis = redis;
  }

  put(roomId: string, record: SessionRecord, fence: string): Promise<void> {
    return this.#fenced(roomId, fence, 'put', record.memberId, JSON.stringify(record));
  }

  remove(roomId: string, memberId: string, fence: string): Promise<void> {
    return this.#fenced(roomId, fence, 'del', memberId, '');
  }

  clear(roomId: string, fence: string): Promise<void> {
    return this.#fenced(roomId, fence, 'clear', '', '');
  }

  async all(roomId: string): Promise<SessionRecord[]> {
    const raw = await this.#redis.hGetAll(sessionsKey(roomId));
    const records: SessionRecord[] = [];
    for (const value of Object.values(raw)) {
      const parsed = sessionRecordSchema.safeParse(JSON.parse(value));
      if (parsed.success) {
        records.push(parsed.data);
      }
    }
    return records;
  }

  async #fenced(roomId: string, fence: string, op: string, field: string, value: string): Promise<void> {
    const done = await this.#redis.eval(FENCED, {
      keys: [fenceKey(roomId), sessionsKey(roomId)],
      arguments: [fence, op, field, value],
    });
    if (done !== 1) {
      throw StaleOwnerError.fenceMoved(roomId);
    }
  }
}
