import type { LobbyEntry, MemberInfo, MemberRole, ProducerInfo } from '@confidentiel/protocol';
import type { Logger } from 'pino';
import { ErrorReply } from 'redis';
import type { RedisRoomState } from './RedisRoomState.ts';
import { EMPTY_ROOM } from './RoomSnapshot.ts';
import { InMemoryRoomState, type RoomState } from './RoomState.ts';
import { StaleOwnerError } from './StaleOwnerError.ts';

/** Dirty rooms are written back this often until Redis takes them. */
export const WRITE_BACK_EVERY_MS = 1_000;
/**
 * A write Redis has not answered within this is taken as "Redis away": the
 * owner goes on from its copy and writes the room back later. (A frozen Redis
 * keeps its connection open; commands would wait for it.)
 */
export const REDIS_WRITE_PATIENCE_MS = 1_000;

export interface OwnerRoomStateOptions {
  /** The replica every node reads and a new owner rebuilds from. */
  shared: RedisRoomState;
  /** This node's fence for a meeting it owns; undefined when it owns none. */
  fenceOf: (roomId: string) => string | undefined;
  logger: Logger;
  writeBackEveryMs?: number;
  redisWritePatienceMs?: number;
}

type Outcome = 'written' | 'behind';

/**
 * Room state on a node of a cluster. The meetings this node owns are kept in
 * its memory, which is the authority for them (ADR 0007): reads come from
 * there, and every write goes to Redis first (fenced) and then to the copy.
 * When Redis cannot take a write (away, frozen, or restarted empty and the
 * lease not yet re-established) the meeting goes on from the copy and the
 * room is written back whole once Redis takes writes again; a write refused
 * because another node owns the meeting now is refused here too (nothing
 * applied). Rooms this node does not own are read from and written to Redis.
 *
 * The copy of a meeting is loaded from Redis the first time the node touches
 * it under a lease (a takeover rebuilds from what the old owner wrote), and
 * dropped when the lease goes.
 */
export class OwnerRoomState implements RoomState {
  readonly #shared: RedisRoomState;
  readonly #fenceOf: (roomId: string) => string | undefined;
  readonly #logger: Logger;
  readonly #patienceMs: number;
  /** The owned rooms' copies (an empty room is not kept, as in InMemoryRoomState). */
  readonly #copy = new InMemoryRoomState();
  /** Rooms whose copy is loaded, with the fence it was loaded under. */
  readonly #loaded = new Map<string, string>();
  readonly #loading = new Map<string, Promise<void>>();
  /** Rooms Redis is behind on: written back whole by the timer. */
  readonly #behind = new Set<string>();
  readonly #timer: ReturnType<typeof setInterval>;
  #writingBack = false;
  #closed = false;

  constructor(options: OwnerRoomStateOptions) {
    this.#shared = options.shared;
    this.#fenceOf = options.fenceOf;
    this.#logger = options.logger;
    this.#patienceMs = options.redisWritePatienceMs ?? REDIS_WRITE_PATIENCE_MS;
    this.#timer = setInterval(
      () => void this.#writeBackAll(),
      options.writeBackEveryMs ?? WRITE_BACK_EVERY_MS,
    );
    this.#timer.unref();
  }

  /** Rooms Redis is behind on (their copy will be written back). */
  behind(): string[] {
    return [...this.#behind];
  }

  /**
   * Redis came back without the meeting (restarted empty) and the lease was
   * re-established: write the room back whole now. Also used by the timer.
   * Resolves once written, or once it is clear it cannot be (left to the timer).
   */
  async writeBack(roomId: string): Promise<void> {
    const fence = this.#fenceOf(roomId);
    if (fence === undefined || this.#loaded.get(roomId) !== fence) {
      this.#forget(roomId);
      return;
    }
    this.#behind.add(roomId);
    const snapshot = this.#copy.snapshot(roomId);
    try {
      await this.#shared.restore(roomId, snapshot);
      // Written, unless a write to the copy came in meanwhile (the next pass writes that).
      if (JSON.stringify(this.#copy.snapshot(roomId)) === JSON.stringify(snapshot)) {
        this.#behind.delete(roomId);
      }
      this.#logger.info(
        { room: roomId.slice(0, 6), members: snapshot.members.length, waiting: snapshot.waiting.length },
        'meeting written back to Redis',
      );
    } catch (error) {
      if (error instanceof StaleOwnerError && error.detail === 'fence-moved') {
        // Another node owns it now: its state is the new owner's.
        this.#forget(roomId);
        return;
      }
      this.#logger.debug({ err: error, room: roomId.slice(0, 6) }, 'meeting not written back yet');
    }
  }

  /** Stops the write-back timer (what is behind stays behind). Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #writeBackAll(): Promise<void> {
    if (this.#writingBack || this.#closed) {
      return;
    }
    this.#writingBack = true;
    try {
      for (const roomId of [...this.#loaded.keys()]) {
        if (this.#fenceOf(roomId) !== this.#loaded.get(roomId)) {
          this.#forget(roomId);
        }
      }
      for (const roomId of [...this.#behind]) {
        await this.writeBack(roomId);
      }
    } finally {
      this.#writingBack = false;
    }
  }

  #forget(roomId: string): void {
    this.#loaded.delete(roomId);
    this.#behind.delete(roomId);
    this.#copy.restore(roomId, EMPTY_ROOM);
  }

  /** Whether this node owns the room, its copy loaded (from Redis the first time). */
  async #owned(roomId: string): Promise<boolean> {
    const fence = this.#fenceOf(roomId);
    if (fence === undefined) {
      if (this.#loaded.has(roomId)) {
        this.#forget(roomId);
      }
      return false;
    }
    if (this.#loaded.get(roomId) === fence) {
      return true;
    }
    let loading = this.#loading.get(roomId);
    if (!loading) {
      loading = this.#load(roomId, fence).finally(() => this.#loading.delete(roomId));
      this.#loading.set(roomId, loading);
    }
    await loading;
    return this.#loaded.get(roomId) === this.#fenceOf(roomId);
  }

  async #load(roomId: string, fence: string): Promise<void> {
    const snapshot = await this.#shared.snapshot(roomId);
    this.#behind.delete(roomId);
    this.#copy.restore(roomId, snapshot);
    this.#loaded.set(roomId, fence);
  }

  /**
   * One write to an owned room: Redis first, then the copy. Redis away or
   * empty: the copy alone, and the room is marked for write-back.
   */
  async #write<T>(
    roomId: string,
    shared: () => Promise<unknown>,
    copy: () => Promise<T>,
    notOwned: () => Promise<T>,
  ): Promise<T> {
    if (!(await this.#owned(roomId))) {
      return notOwned();
    }
    if (!this.#behind.has(roomId) && (await this.#toRedis(roomId, shared)) === 'written') {
      return copy();
    }
    this.#behind.add(roomId);
    return copy();
  }

  async #toRedis(roomId: string, write: () => Promise<unknown>): Promise<Outcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const patience = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.#patienceMs);
    });
    const attempt = write();
    try {
      const answer = await Promise.race([attempt.then(() => 'written' as const), patience]);
      if (answer === 'late') {
        // It may still land; the write-back replaces the whole room after it anyway (same connection, in order).
        attempt.catch(() => undefined);
        this.#logger.warn({ room: roomId.slice(0, 6) }, 'Redis is slow: the meeting goes on from memory');
        return 'behind';
      }
      return 'written';
    } catch (error) {
      if (error instanceof StaleOwnerError && error.detail !== 'fence-missing') {
        throw error;
      }
      if (error instanceof ErrorReply) {
        // Redis answered, with an error of ours (a script, a command): not an outage.
        throw error;
      }
      this.#logger.warn(
        { err: error, room: roomId.slice(0, 6) },
        'Redis did not take a write: the meeting goes on from memory',
      );
      return 'behind';
    } finally {
      clearTimeout(timer);
    }
  }

  async #read<T>(roomId: string, copy: () => Promise<T>, shared: () => Promise<T>): Promise<T> {
    return (await this.#owned(roomId)) ? copy() : shared();
  }

  addMember(roomId: string, member: MemberInfo): Promise<void> {
    return this.#write(
      roomId,
      () => this.#shared.addMember(roomId, member),
      () => this.#copy.addMember(roomId, member),
      () => this.#shared.addMember(roomId, member),
    );
  }

  nextSenderIndex(roomId: string): Promise<number> {
    return this.#write(
      roomId,
      () => this.#shared.nextSenderIndex(roomId),
      () => this.#copy.nextSenderIndex(roomId),
      () => this.#shared.nextSenderIndex(roomId),
    );
  }

  removeMember(roomId: string, memberId: string): Promise<ProducerInfo[]> {
    return this.#write(
      roomId,
      () => this.#shared.removeMember(roomId, memberId),
      () => this.#copy.removeMember(roomId, memberId),
      () => this.#shared.removeMember(roomId, memberId),
    );
  }

  members(roomId: string): Promise<MemberInfo[]> {
    return this.#read(
      roomId,
      () => this.#copy.members(roomId),
      () => this.#shared.members(roomId),
    );
  }

  hasMember(roomId: string, memberId: string): Promise<boolean> {
    return this.#read(
      roomId,
      () => this.#copy.hasMember(roomId, memberId),
      () => this.#shared.hasMember(roomId, memberId),
    );
  }

  addProducer(roomId: string, producer: ProducerInfo): Promise<void> {
    return this.#write(
      roomId,
      () => this.#shared.addProducer(roomId, producer),
      () => this.#copy.addProducer(roomId, producer),
      () => this.#shared.addProducer(roomId, producer),
    );
  }

  removeProducer(roomId: string, producerId: string): Promise<ProducerInfo | undefined> {
    return this.#write(
      roomId,
      () => this.#shared.removeProducer(roomId, producerId),
      () => this.#copy.removeProducer(roomId, producerId),
      () => this.#shared.removeProducer(roomId, producerId),
    );
  }

  setProducerPaused(roomId: string, producerId: string, paused: boolean): Promise<ProducerInfo | undefined> {
    return this.#write(
      roomId,
      () => this.#shared.setProducerPaused(roomId, producerId, paused),
      () => this.#copy.setProducerPaused(roomId, producerId, paused),
      () => this.#shared.setProducerPaused(roomId, producerId, paused),
    );
  }

  producers(roomId: string): Promise<ProducerInfo[]> {
    return this.#read(
      roomId,
      () => this.#copy.producers(roomId),
      () => this.#shared.producers(roomId),
    );
  }

  setRole(roomId: string, memberId: string, role: MemberRole): Promise<MemberInfo | undefined> {
    return this.#write(
      roomId,
      () => this.#shared.setRole(roomId, memberId, role),
      () => this.#copy.setRole(roomId, memberId, role),
      () => this.#shared.setRole(roomId, memberId, role),
    );
  }

  hasHost(roomId: string): Promise<boolean> {
    return this.#read(
      roomId,
      () => this.#copy.hasHost(roomId),
      () => this.#shared.hasHost(roomId),
    );
  }

  addWaiting(roomId: string, entry: LobbyEntry): Promise<void> {
    return this.#write(
      roomId,
      () => this.#shared.addWaiting(roomId, entry),
      () => this.#copy.addWaiting(roomId, entry),
      () => this.#shared.addWaiting(roomId, entry),
    );
  }

  removeWaiting(roomId: string, memberId: string): Promise<LobbyEntry | undefined> {
    return this.#write(
      roomId,
      () => this.#shared.removeWaiting(roomId, memberId),
      () => this.#copy.removeWaiting(roomId, memberId),
      () => this.#shared.removeWaiting(roomId, memberId),
    );
  }

  waiting(roomId: string): Promise<LobbyEntry[]> {
    return this.#read(
      roomId,
      () => this.#copy.waiting(roomId),
      () => this.#shared.waiting(roomId),
    );
  }

  isLocked(roomId: string): Promise<boolean> {
    return this.#read(
      roomId,
      () => this.#copy.isLocked(roomId),
      () => this.#shared.isLocked(roomId),
    );
  }

  setLocked(roomId: string, locked: boolean): Promise<void> {
    return this.#write(
      roomId,
      () => this.#shared.setLocked(roomId, locked),
      () => this.#copy.setLocked(roomId, locked),
      () => this.#shared.setLocked(roomId, locked),
    );
  }

  clearRoom(roomId: string): Promise<MemberInfo[]> {
    return this.#write(
      roomId,
      () => this.#shared.clearRoom(roomId),
      () => this.#copy.clearRoom(roomId),
      () => this.#shared.clearRoom(roomId),
    );
  }

  /** Across the cluster: from Redis. */
  roomCount(): Promise<number> {
    return this.#shared.roomCount();
  }

  /** Across the cluster: from Redis. */
  memberCount(): Promise<number> {
    return this.#shared.memberCount();
  }
}
