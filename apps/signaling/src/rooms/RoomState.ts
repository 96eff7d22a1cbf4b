import type { MemberInfo, ProducerInfo } from '@confidentiel/protocol';

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
  /** Forgets the whole room; returns its members. */
  clearRoom(roomId: string): MemberInfo[];
  roomCount(): number;
  memberCount(): number;
}

interface RoomEntry {
  members: Map<string, MemberInfo>;
  producers: Map<string, ProducerInfo>;
  nextSenderIndex: number;
}

export class InMemoryRoomState implements RoomState {
  readonly #rooms = new Map<string, RoomEntry>();

  #entry(roomId: string): RoomEntry {
    let entry = this.#rooms.get(roomId);
    if (!entry) {
      entry = { members: new Map(), producers: new Map(), nextSenderIndex: 0 };
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
    if (entry.members.size === 0) {
      this.#rooms.delete(roomId);
    }
    return removed;
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
