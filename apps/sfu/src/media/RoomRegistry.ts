import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from '@confidentiel/events';
import { Room, type RoomEvents } from './Room.ts';
import { sfuErrors } from './SfuError.ts';
import type { WorkerPool } from './WorkerPool.ts';

/** Every room event, tagged with its room id. */
export type RegistryEvents = {
  [K in keyof RoomEvents]: [roomId: string, ...RoomEvents[K]];
};

/**
 * The rooms of this SFU node. Two concurrent requests for a new room share
 * one creation, so exactly one router is made.
 */
export class RoomRegistry extends TypedEmitter<RegistryEvents> {
  readonly #pool: WorkerPool;
  readonly #codecs: types.RouterRtpCodecCapability[];
  readonly #logger: Logger;
  readonly #rooms = new Map<string, Room>();
  readonly #pending = new Map<string, Promise<Room>>();
  #closed = false;

  constructor(pool: WorkerPool, codecs: types.RouterRtpCodecCapability[], logger: Logger) {
    super((error, event) => logger.error({ err: error, event }, 'registry listener threw'));
    this.#pool = pool;
    this.#codecs = codecs;
    this.#logger = logger;
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** The room, created on first use. */
  async obtain(roomId: string): Promise<Room> {
    if (this.#closed) {
      throw sfuErrors.roomClosed();
    }
    const existing = this.#rooms.get(roomId);
    if (existing && !existing.closed) {
      return existing;
    }
    let pending = this.#pending.get(roomId);
    if (!pending) {
      pending = this.#create(roomId).finally(() => this.#pending.delete(roomId));
      this.#pending.set(roomId, pending);
    }
    return pending;
  }

  /** The room if it exists; never creates one. */
  get(roomId: string): Room {
    const room = this.#rooms.get(roomId);
    if (!room || room.closed) {
      throw sfuErrors.notFound('room');
    }
    return room;
  }

  async #create(roomId: string): Promise<Room> {
    const slot = await this.#pool.leastLoaded();
    const room = await Room.create(roomId, slot, this.#codecs, this.#logger);
    this.#rooms.set(roomId, room);
    room.on('producerClosed', (...args) => this.emit('producerClosed', roomId, ...args));
    room.on('consumerClosed', (...args) => this.emit('consumerClosed', roomId, ...args));
    room.on('activeSpeaker', (...args) => this.emit('activeSpeaker', roomId, ...args));
    room.on('closed', (reason) => {
      if (this.#rooms.get(roomId) === room) {
        this.#rooms.delete(roomId);
      }
      this.emit('closed', roomId, reason);
    });
    this.#logger.info({ room: roomId.slice(0, 6), worker: slot.index }, 'room created');
    return room;
  }

  closeRoom(roomId: string): void {
    this.#rooms.get(roomId)?.close();
  }

  /** Closes every room. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) {
      room.close();
    }
    this.#rooms.clear();
  }
}
