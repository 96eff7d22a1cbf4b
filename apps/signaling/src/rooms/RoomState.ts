import type { LobbyEntry, MemberInfo, MemberRole, ProducerInfo } from '@confidentiel/protocol';

/**
 * Who is in which room and what they publish. In memory for one node; a Redis
 * implementation of the same interface serves several nodes.
 */
export interface RoomState {
  addMember(roomId: string, member: MemberInfo): void;
  /** The next E2EE sender index of the room (never reused while the room lives). */
  nextSenderIndex(roomId: string): number;
  /** Removes the member and its producers; returns the producers removed. */
  removeMember(roomId: string, memberId: string): ProducerInfo[];
  members(roomId: string): MemberInfo[];
  hasMember(roomId: string, memberId: string): boolean;
  addProducer(roomId: string, producer: ProducerInfo): void;
  removeProducer(roomId: string, producerId: string): ProducerInfo | undefined;
  setProducerPaused(roomId: string, producerId: string, paused: boolean): ProducerInfo | undefined;
  producers(roomId: string): ProducerInfo[];
  /** Changes an admitted member's role; returns the updated member. */
  setRole(roomId: string, memberId: string, role: MemberRole): MemberInfo | undefined;
  /** Whether a host or co-host is in the room. */
  hasHost(roomId: string): boolean;
  addWaiting(roomId: string, entry: LobbyEntry): void;
  removeWaiting(roomId: string, memberId: string): LobbyEntry | undefined;
  waiting(roomId: string): LobbyEntry[];
  isLocked(roomId: string): boolean;
  setLocked(roomId: string, locked: boolean): void;
  /** Forgets the whole room; returns its members. */
  clearRoom(roomId: string): MemberInfo[];
  roomCount(): number;
  memberCount(): number;
}

interface RoomEntry {
  members: Map<string, MemberInfo>;
  producers: Map<string, ProducerInfo>;
  waiting: Map<string, LobbyEntry>;
  locked: boolean;
  nextSenderIndex: number;
}

function isHost(role: MemberRole): boolean {
  return role === 'host' || role === 'co-host';
}

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

  addMember(roomId: string, member: MemberInfo): void {
    this.#entry(roomId).members.set(member.memberId, member);
  }

  nextSenderIndex(roomId: string): number {
    const entry = this.#entry(roomId);
    const index = entry.nextSenderIndex;
    entry.nextSenderIndex = (index + 1) % 0x100000;
    return index;
  }

  removeMember(roomId: string, memberId: string): ProducerInfo[] {
    const entry = this.#rooms.get(roomId);
    if (!entry) {
      return [];
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
    return removed;
  }

  #dropIfEmpty(roomId: string, entry: RoomEntry): void {
    if (entry.members.size === 0 && entry.waiting.size === 0) {
      this.#rooms.delete(roomId);
    }
  }

  setRole(roomId: string, memberId: string, role: MemberRole): MemberInfo | undefined {
    const member = this.#rooms.get(roomId)?.members.get(memberId);
    if (member) {
      member.role = role;
    }
    return member;
  }

  hasHost(roomId: string): boolean {
    for (const member of this.#rooms.get(roomId)?.members.values() ?? []) {
      if (isHost(member.role)) {
        return true;
      }
    }
    return false;
  }

  addWaiting(roomId: string, entry: LobbyEntry): void {
    this.#entry(roomId).waiting.set(entry.memberId, entry);
  }

  removeWaiting(roomId: string, memberId: string): LobbyEntry | undefined {
    const entry = this.#rooms.get(roomId);
    const waiting = entry?.waiting.get(memberId);
    if (entry && waiting) {
      entry.waiting.delete(memberId);
      this.#dropIfEmpty(roomId, entry);
    }
    return waiting;
  }

  waiting(roomId: string): LobbyEntry[] {
    return [...(this.#rooms.get(roomId)?.waiting.values() ?? [])];
  }

  isLocked(roomId: string): boolean {
    return this.#rooms.get(roomId)?.locked ?? false;
  }

  setLocked(roomId: string, locked: boolean): void {
    this.#entry(roomId).locked = locked;
  }

  members(roomId: string): MemberInfo[] {
    return [...(this.#rooms.get(roomId)?.members.values() ?? [])];
  }

  hasMember(roomId: string, memberId: string): boolean {
    return this.#rooms.get(roomId)?.members.has(memberId) ?? false;
  }

  addProducer(roomId: string, producer: ProducerInfo): void {
    this.#entry(roomId).producers.set(producer.producerId, producer);
  }

  removeProducer(roomId: string, producerId: string): ProducerInfo | undefined {
    const producers = this.#rooms.get(roomId)?.producers;
    const producer = producers?.get(producerId);
    producers?.delete(producerId);
    return producer;
  }

  setProducerPaused(roomId: string, producerId: string, paused: boolean): ProducerInfo | undefined {
    const producer = this.#rooms.get(roomId)?.producers.get(producerId);
    if (producer) {
      producer.paused = paused;
    }
    return producer;
  }

  producers(roomId: string): ProducerInfo[] {
    return [...(this.#rooms.get(roomId)?.producers.values() ?? [])];
  }

  clearRoom(roomId: string): MemberInfo[] {
    const members = this.members(roomId);
    this.#rooms.delete(roomId);
    return members;
  }

  roomCount(): number {
    return this.#rooms.size;
  }

  memberCount(): number {
    let n = 0;
    for (const entry of this.#rooms.values()) {
      n += entry.members.size;
    }
    return n;
  }
}
