import type { LobbyEntry, MemberInfo, MemberRole, ProducerInfo } from '@confidentiel/protocol';
import { isEmptyRoom, type RoomSnapshot } from './RoomSnapshot.ts';

/**
 * Who is in which room, who waits in its lobby, and what they publish. In
 * memory for one node (InMemoryRoomState); in Redis for several
 * (RedisRoomState). Both hand out copies: changing a returned object changes
 * nothing stored.
 *
 * Every method is one step, atomic on its own; a sequence of them (look, then
 * write) is not. The caller runs the sequences of one room one at a time
 * (RoomQueue, on the node that owns the meeting).
 *
 * A room lives while it has a member or a waiting guest: once the last of them
 * is gone (removeMember, removeWaiting) it is forgotten whole, lock and sender
 * indexes included.
 */
export interface RoomState {
  addMember(roomId: string, member: MemberInfo): Promise<void>;
  /** The next E2EE sender index of the room (never reused while the room lives). */
  nextSenderIndex(roomId: string): Promise<number>;
  /** Removes the member and its producers; returns the producers removed. */
  removeMember(roomId: string, memberId: string): Promise<ProducerInfo[]>;
  members(roomId: string): Promise<MemberInfo[]>;
  hasMember(roomId: string, memberId: string): Promise<boolean>;
  addProducer(roomId: string, producer: ProducerInfo): Promise<void>;
  removeProducer(roomId: string, producerId: string): Promise<ProducerInfo | undefined>;
  setProducerPaused(roomId: string, producerId: string, paused: boolean): Promise<ProducerInfo | undefined>;
  producers(roomId: string): Promise<ProducerInfo[]>;
  /** Changes an admitted member's role; returns the updated member. */
  setRole(roomId: string, memberId: string, role: MemberRole): Promise<MemberInfo | undefined>;
  /** Whether a host or co-host is in the room. */
  hasHost(roomId: string): Promise<boolean>;
  addWaiting(roomId: string, entry: LobbyEntry): Promise<void>;
  removeWaiting(roomId: string, memberId: string): Promise<LobbyEntry | undefined>;
  waiting(roomId: string): Promise<LobbyEntry[]>;
  isLocked(roomId: string): Promise<boolean>;
  setLocked(roomId: string, locked: boolean): Promise<void>;
  /** Forgets the whole room; returns its members. */
  clearRoom(roomId: string): Promise<MemberInfo[]>;
  /** Rooms with at least one member or waiting guest (a metric). */
  roomCount(): Promise<number>;
  /** Members in all rooms, waiting guests not counted (a metric). */
  memberCount(): Promise<number>;
}

/** E2EE sender indexes are 20 bits (the key id carries them): they wrap after this many. */
export const SENDER_INDEXES = 0x100000;

export function isHostRole(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

interface RoomEntry {
  members: Map<string, MemberInfo>;
  producers: Map<string, ProducerInfo>;
  waiting: Map<string, LobbyEntry>;
  locked: boolean;
  nextSenderIndex: number;
}

/** Values, not references: what is stored changes only through this interface. */
const copy = <T>(value: T): T => structuredClone(value);

/** One node's rooms, in a Map. Every answer is already settled (no I/O). */
export class InMemoryRoomState implements RoomState {
  readonly #rooms = new Map<string, RoomEntry>();

  #entry(roomId: string): RoomEntry {
    let entry = this.#rooms.get(roomId);
    if (!entry) {
      entry = {
        members: new Map(),
        producers: new Map(),
        waiting: new Map(),
        locked: false,
        nextSenderIndex: 0,
      };
      this.#rooms.set(roomId, entry);
    }
    return entry;
  }

  addMember(roomId: string, member: MemberInfo): Promise<void> {
    this.#entry(roomId).members.set(member.memberId, copy(member));
    return Promise.resolve();
  }

  nextSenderIndex(roomId: string): Promise<number> {
    const entry = this.#entry(roomId);
    const index = entry.nextSenderIndex;
    entry.nextSenderIndex = (index + 1) % SENDER_INDEXES;
    return Promise.resolve(index);
  }

  removeMember(roomId: string, memberId: string): Promise<ProducerInfo[]> {
    const entry = this.#rooms.get(roomId);
    if (!entry) {
      return Promise.resolve([]);
    }
    entry.members.delete(memberId);
    const removed: ProducerInfo[] = [];
    for (const [id, producer] of entry.producers) {
      if (producer.memberId === memberId) {
        entry.producers.delete(id);
        removed.push(producer);
      }
    }
    this.#dropIfEmpty(roomId, entry);
    return Promise.resolve(removed);
  }

  #dropIfEmpty(roomId: string, entry: RoomEntry): void {
    if (entry.members.size === 0 && entry.waiting.size === 0) {
      this.#rooms.delete(roomId);
    }
  }

  setRole(roomId: string, memberId: string, role: MemberRole): Promise<MemberInfo | undefined> {
    const member = this.#rooms.get(roomId)?.members.get(memberId);
    if (member) {
      member.role = role;
    }
    return Promise.resolve(member && copy(member));
  }

  hasHost(roomId: string): Promise<boolean> {
    const members = [...(this.#rooms.get(roomId)?.members.values() ?? [])];
    return Promise.resolve(members.some((member) => isHostRole(member.role)));
  }

  addWaiting(roomId: string, entry: LobbyEntry): Promise<void> {
    this.#entry(roomId).waiting.set(entry.memberId, copy(entry));
    return Promise.resolve();
  }

  removeWaiting(roomId: string, memberId: string): Promise<LobbyEntry | undefined> {
    const entry = this.#rooms.get(roomId);
    const waiting = entry?.waiting.get(memberId);
    if (entry && waiting) {
      entry.waiting.delete(memberId);
      this.#dropIfEmpty(roomId, entry);
    }
    return Promise.resolve(waiting);
  }

  waiting(roomId: string): Promise<LobbyEntry[]> {
    return Promise.resolve([...(this.#rooms.get(roomId)?.waiting.values() ?? [])].map(copy));
  }

  isLocked(roomId: string): Promise<boolean> {
    return Promise.resolve(this.#rooms.get(roomId)?.locked ?? false);
  }

  setLocked(roomId: string, locked: boolean): Promise<void> {
    this.#entry(roomId).locked = locked;
    return Promise.resolve();
  }

  members(roomId: string): Promise<MemberInfo[]> {
    return Promise.resolve(this.#members(roomId));
  }

  #members(roomId: string): MemberInfo[] {
    return [...(this.#rooms.get(roomId)?.members.values() ?? [])].map(copy);
  }

  hasMember(roomId: string, memberId: string): Promise<boolean> {
    return Promise.resolve(this.#rooms.get(roomId)?.members.has(memberId) ?? false);
  }

  addProducer(roomId: string, producer: ProducerInfo): Promise<void> {
    this.#entry(roomId).producers.set(producer.producerId, copy(producer));
    return Promise.resolve();
  }

  removeProducer(roomId: string, producerId: string): Promise<ProducerInfo | undefined> {
    const producers = this.#rooms.get(roomId)?.producers;
    const producer = producers?.get(producerId);
    producers?.delete(producerId);
    return Promise.resolve(producer);
  }

  setProducerPaused(roomId: string, producerId: string, paused: boolean): Promise<ProducerInfo | undefined> {
    const producer = this.#rooms.get(roomId)?.producers.get(producerId);
    if (producer) {
      producer.paused = paused;
    }
    return Promise.resolve(producer && copy(producer));
  }

  producers(roomId: string): Promise<ProducerInfo[]> {
    return Promise.resolve([...(this.#rooms.get(roomId)?.producers.values() ?? [])].map(copy));
  }

  /** The whole room (an empty one when it is not here). */
  snapshot(roomId: string): RoomSnapshot {
    const entry = this.#rooms.get(roomId);
    return {
      members: this.#members(roomId),
      producers: [...(entry?.producers.values() ?? [])].map(copy),
      waiting: [...(entry?.waiting.values() ?? [])].map(copy),
      locked: entry?.locked ?? false,
      nextSenderIndex: entry?.nextSenderIndex ?? 0,
    };
  }

  /** Replaces the whole room by `snapshot` (an empty one forgets it). */
  restore(roomId: string, snapshot: RoomSnapshot): void {
    this.#rooms.delete(roomId);
    if (isEmptyRoom(snapshot)) {
      return;
    }
    this.#rooms.set(roomId, {
      members: new Map(snapshot.members.map((m) => [m.memberId, copy(m)])),
      producers: new Map(snapshot.producers.map((p) => [p.producerId, copy(p)])),
      waiting: new Map(snapshot.waiting.map((w) => [w.memberId, copy(w)])),
      locked: snapshot.locked,
      nextSenderIndex: snapshot.nextSenderIndex % SENDER_INDEXES,
    });
  }

  clearRoom(roomId: string): Promise<MemberInfo[]> {
    const members = this.#members(roomId);
    this.#rooms.delete(roomId);
    return Promise.resolve(members);
  }

  roomCount(): Promise<number> {
    let n = 0;
    for (const entry of this.#rooms.values()) {
      if (entry.members.size > 0 || entry.waiting.size > 0) {
        n++;
      }
    }
    return Promise.resolve(n);
  }

  memberCount(): Promise<number> {
    let n = 0;
    for (const entry of this.#rooms.values()) {
      n += entry.members.size;
    }
    return Promise.resolve(n);
  }
}
