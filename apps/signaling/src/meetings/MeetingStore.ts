import { randomBytes } from 'node:crypto';

export interface Meeting {
  id: string;
  title: string | undefined;
  createdAt: number;
}

/** Where meetings live. In memory by default; a persistent store can replace it. */
export interface MeetingStore {
  create(title: string | undefined): Promise<Meeting>;
  get(id: string): Promise<Meeting | undefined>;
}

/** 16 random bytes = 128 bits, base64url (22 characters). */
export function newMeetingId(random: (n: number) => Buffer = randomBytes): string {
  return random(16).toString('base64url');
}

/** Meetings are forgotten this long after creation (temporary, until accounts exist). */
export const MEETING_LIFETIME_MS = 24 * 60 * 60 * 1000;

export class InMemoryMeetingStore implements MeetingStore {
  readonly #meetings = new Map<string, Meeting>();
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;

  constructor(deps: { now?: () => number; random?: (n: number) => Buffer } = {}) {
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? randomBytes;
  }

  create(title: string | undefined): Promise<Meeting> {
    this.#prune();
    const meeting = { id: newMeetingId(this.#random), title, createdAt: this.#now() };
    this.#meetings.set(meeting.id, meeting);
    return Promise.resolve(meeting);
  }

  get(id: string): Promise<Meeting | undefined> {
    const meeting = this.#meetings.get(id);
    if (meeting && this.#now() - meeting.createdAt > MEETING_LIFETIME_MS) {
      this.#meetings.delete(id);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(meeting);
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, meeting] of this.#meetings) {
      if (now - meeting.createdAt > MEETING_LIFETIME_MS) {
        this.#meetings.delete(id);
      }
    }
  }
}
