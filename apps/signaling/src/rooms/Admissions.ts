/**
 * Who has been let into which meeting. A room token says who its bearer is,
 * not whether a host ever let them in (a guest in the lobby, or refused at
 * the door, holds a valid token too): what only admitted members may reach
 * outside the socket (recordings) asks this. A member counts as admitted
 * from the moment they enter the room until a short while after they leave
 * (a chair's last recording chunks are still on their way when the page
 * closes), and not at all once removed. In memory for one node
 * (InMemoryAdmissions); in Redis for several (RedisAdmissions).
 */
export interface Admissions {
  /** The member entered the room (admitted from the lobby, or let in at once). */
  entered(roomId: string, memberId: string): Promise<void>;
  /** The member left; they stay admitted until `untilMs` (a grace for uploads in flight). */
  left(roomId: string, memberId: string, untilMs: number): Promise<void>;
  /** The member was removed or refused: no longer admitted, at once. */
  withdrawn(roomId: string, memberId: string): Promise<void>;
  isAdmitted(roomId: string, memberId: string): Promise<boolean>;
}

/** How long a member who left stays admitted: the time a closing page needs to send what it holds. */
export const ADMISSION_GRACE_MS = 2 * 60 * 1000;

/** Bound on departed members kept (a flood of joins cannot grow memory without end). */
const MAX_DEPARTED = 100_000;

interface Entry {
  roomId: string;
  /** Infinity while in the room. */
  until: number;
}

export class InMemoryAdmissions implements Admissions {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(deps: { now?: () => number } = {}) {
    this.#now = deps.now ?? Date.now;
  }

  entered(roomId: string, memberId: string): Promise<void> {
    this.#entries.delete(memberId);
    this.#entries.set(memberId, { roomId, until: Number.POSITIVE_INFINITY });
    return Promise.resolve();
  }

  left(roomId: string, memberId: string, untilMs: number): Promise<void> {
    const entry = this.#entries.get(memberId);
    if (entry?.roomId !== roomId) {
      return Promise.resolve();
    }
    this.#prune();
    // Re-inserted so that Map order is departure order: the oldest departures go first.
    this.#entries.delete(memberId);
    this.#entries.set(memberId, { roomId, until: Math.min(entry.until, untilMs) });
    return Promise.resolve();
  }

  withdrawn(roomId: string, memberId: string): Promise<void> {
    if (this.#entries.get(memberId)?.roomId === roomId) {
      this.#entries.delete(memberId);
    }
    return Promise.resolve();
  }

  isAdmitted(roomId: string, memberId: string): Promise<boolean> {
    const entry = this.#entries.get(memberId);
    return Promise.resolve(entry !== undefined && entry.roomId === roomId && entry.until > this.#now());
  }

  #prune(): void {
    const now = this.#now();
    let departed = 0;
    for (const [memberId, entry] of this.#entries) {
      if (entry.until <= now) {
        this.#entries.delete(memberId);
      } else if (entry.until !== Number.POSITIVE_INFINITY) {
        departed++;
      }
    }
    if (departed < MAX_DEPARTED) {
      return;
    }
    for (const [memberId, entry] of this.#entries) {
      if (departed < MAX_DEPARTED) {
        break;
      }
      if (entry.until !== Number.POSITIVE_INFINITY) {
        this.#entries.delete(memberId);
        departed--;
      }
    }
  }
}
