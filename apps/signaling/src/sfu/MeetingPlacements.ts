/** Where one meeting's media is. */
export interface MeetingPlacement {
  /** The host the meeting was placed on (its router capabilities, its active speaker). */
  primary: string | undefined;
  /** Every host the meeting has a room on (the primary and the hosts members spilled over to). */
  hosts: Set<string>;
  /** The host of each member with media. */
  members: Map<string, string>;
  /** The host each producer was made on (its copies elsewhere come through pipes). */
  producers: Map<string, string>;
}

/**
 * Which SFU host holds what of each meeting. Two implementations: in this
 * process (one signaling node) and in Redis (several nodes agree; the first
 * placement wins, as a SET NX).
 */
export interface MeetingPlacements {
  get(roomId: string): Promise<MeetingPlacement>;
  /** Puts the meeting on `hostId` unless it is placed already; where it is. */
  place(roomId: string, hostId: string): Promise<string>;
  /** Moves the meeting from `from` to `to` unless it is no longer on `from`; where it is. */
  move(roomId: string, from: string, to: string): Promise<string>;
  memberHost(roomId: string, memberId: string): Promise<string | undefined>;
  /** Gives the member `hostId` unless it has a host already; its host. */
  assignMember(roomId: string, memberId: string, hostId: string): Promise<string>;
  unassignMember(roomId: string, memberId: string): Promise<void>;
  producerHost(roomId: string, producerId: string): Promise<string | undefined>;
  addProducer(roomId: string, producerId: string, hostId: string): Promise<void>;
  removeProducer(roomId: string, producerId: string): Promise<void>;
  /** The meeting has no room on `hostId` any more (its members and producers there are gone). */
  removeHost(roomId: string, hostId: string): Promise<void>;
  /** Meetings with a room on `hostId`. */
  roomsOn(hostId: string): Promise<string[]>;
  /** The meeting ended: forgets all of it. */
  forget(roomId: string): Promise<void>;
}

function emptyPlacement(): MeetingPlacement {
  return { primary: undefined, hosts: new Set(), members: new Map(), producers: new Map() };
}

function copyOf(placement: MeetingPlacement): MeetingPlacement {
  return {
    primary: placement.primary,
    hosts: new Set(placement.hosts),
    members: new Map(placement.members),
    producers: new Map(placement.producers),
  };
}

/** Placements in this process: one signaling node. */
export class MemoryMeetingPlacements implements MeetingPlacements {
  readonly #meetings = new Map<string, MeetingPlacement>();
  readonly #rooms = new Map<string, Set<string>>();

  #meeting(roomId: string): MeetingPlacement {
    let placement = this.#meetings.get(roomId);
    if (placement === undefined) {
      placement = emptyPlacement();
      this.#meetings.set(roomId, placement);
    }
    return placement;
  }

  #addHost(roomId: string, hostId: string): void {
    this.#meeting(roomId).hosts.add(hostId);
    let rooms = this.#rooms.get(hostId);
    if (rooms === undefined) {
      rooms = new Set();
      this.#rooms.set(hostId, rooms);
    }
    rooms.add(roomId);
  }

  get(roomId: string): Promise<MeetingPlacement> {
    const placement = this.#meetings.get(roomId);
    return Promise.resolve(placement === undefined ? emptyPlacement() : copyOf(placement));
  }

  place(roomId: string, hostId: string): Promise<string> {
    const placement = this.#meeting(roomId);
    if (placement.primary === undefined) {
      placement.primary = hostId;
      this.#addHost(roomId, hostId);
    }
    return Promise.resolve(placement.primary);
  }

  move(roomId: string, from: string, to: string): Promise<string> {
    const placement = this.#meeting(roomId);
    if (placement.primary === from || placement.primary === undefined) {
      placement.primary = to;
      this.#addHost(roomId, to);
    }
    return Promise.resolve(placement.primary);
  }

  memberHost(roomId: string, memberId: string): Promise<string | undefined> {
    return Promise.resolve(this.#meetings.get(roomId)?.members.get(memberId));
  }

  assignMember(roomId: string, memberId: string, hostId: string): Promise<string> {
    const placement = this.#meeting(roomId);
    const existing = placement.members.get(memberId);
    if (existing !== undefined) {
      return Promise.resolve(existing);
    }
    placement.members.set(memberId, hostId);
    this.#addHost(roomId, hostId);
    return Promise.resolve(hostId);
  }

  unassignMember(roomId: string, memberId: string): Promise<void> {
    this.#meetings.get(roomId)?.members.delete(memberId);
    return Promise.resolve();
  }

  producerHost(roomId: string, producerId: string): Promise<string | undefined> {
    return Promise.resolve(this.#meetings.get(roomId)?.producers.get(producerId));
  }

  addProducer(roomId: string, producerId: string, hostId: string): Promise<void> {
    this.#meeting(roomId).producers.set(producerId, hostId);
    return Promise.resolve();
  }

  removeProducer(roomId: string, producerId: string): Promise<void> {
    this.#meetings.get(roomId)?.producers.delete(producerId);
    return Promise.resolve();
  }

  removeHost(roomId: string, hostId: string): Promise<void> {
    const placement = this.#meetings.get(roomId);
    if (placement !== undefined) {
      placement.hosts.delete(hostId);
      for (const map of [placement.members, placement.producers]) {
        for (const [id, host] of [...map]) {
          if (host === hostId) {
            map.delete(id);
          }
        }
      }
    }
    this.#rooms.get(hostId)?.delete(roomId);
    return Promise.resolve();
  }

  roomsOn(hostId: string): Promise<string[]> {
    return Promise.resolve([...(this.#rooms.get(hostId) ?? [])]);
  }

  forget(roomId: string): Promise<void> {
    const placement = this.#meetings.get(roomId);
    for (const hostId of placement?.hosts ?? []) {
      this.#rooms.get(hostId)?.delete(roomId);
    }
    this.#meetings.delete(roomId);
    return Promise.resolve();
  }
}
