import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from '@confidentiel/events';
import type { SfuHostLoad } from '@confidentiel/protocol';
import { Room, type RoomEvents, type RoomOptions } from './Room.ts';
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
  readonly #options: RoomOptions;
  readonly #rooms = new Map<string, Room>();
  readonly #pending = new Map<string, Promise<Room>>();
  #closed = false;

  constructor(
    pool: WorkerPool,
    codecs: types.RouterRtpCodecCapability[],
    logger: Logger,
    options: RoomOptions = {
      pipes: { ip: '127.0.0.1', portRange: { min: 41000, max: 41999 } },
      testFeedIp: '127.0.0.1',
    },
  ) {
    super((error, event) => logger.error({ err: error, event }, 'registry listener threw'));
    this.#pool = pool;
    this.#codecs = codecs;
    this.#logger = logger;
    this.#options = options;
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** What this host carries now (signaling places meetings and members by it). */
  load(): SfuHostLoad {
    const load: SfuHostLoad = {
      rooms: 0,
      members: 0,
      producers: 0,
      consumers: 0,
      pipes: 0,
      workers: this.#pool.slots.filter((slot) => !slot.worker.closed).length,
    };
    for (const room of this.#rooms.values()) {
      if (room.closed) {
        continue;
      }
      const { producers, consumers } = room.mediaCounts;
      load.rooms++;
      load.members += room.memberCount;
      load.producers += producers;
      load.consumers += consumers;
      load.pipes += room.pipes.count;
    }
    return load;
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
    const room = await Room.create(roomId, slot, this.#codecs, this.#options, this.#logger);
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
