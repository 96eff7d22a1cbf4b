import { randomBytes } from 'node:crypto';
import type { MeetingKind, MeetingStatus } from '@confidentiel/protocol';
import {
  nextMeetingStatus,
  type MeetingEvent,
  type MeetingSession,
  type MeetingStatusRefusal,
} from './meetingStatus.ts';

export type { MeetingStatus } from '@confidentiel/protocol';

export interface Meeting {
  id: string;
  title: string | undefined;
  createdAt: number;
  /** The organiser's account id; null for an open (anonymous) meeting. */
  ownerId: string | null;
  kind: MeetingKind;
  /** Milliseconds since the epoch; the creation time for an open meeting. */
  startsAt: number;
  /** Follows the room (see nextMeetingStatus): scheduled, live, ended, or cancelled. */
  status: MeetingStatus;
  /** The latest session (the room open); null if the meeting was never held. */
  lastSession: MeetingSession | null;
  /** Guests may enter before a host is present (always true for an open meeting). */
  allowEarlyEntry: boolean;
}

/** The events of a meeting's room (a cancellation is `MeetingStore.cancel`, owner-scoped). */
export type RoomEvent = Exclude<MeetingEvent, 'cancel'>;

/** What `MeetingStore.transition` did: the meeting as it now is, or why nothing changed. */
export type MeetingStatusOutcome =
  { kind: 'changed' | 'unchanged'; meeting: Meeting } | { kind: 'refused'; reason: MeetingStatusRefusal };

/** What an organiser chooses when creating a meeting. */
export interface NewOrganiserMeeting {
  title: string;
  kind: MeetingKind;
  startsAt: number;
  allowEarlyEntry: boolean;
}

export type MeetingPatch = Partial<NewOrganiserMeeting>;

/**
 * Where meetings live. Every organiser operation takes the owner's account id
 * and only ever sees that owner's meetings: another organiser's meeting and an
 * unknown one give the same `undefined`.
 */
export interface MeetingStore {
  /** An open meeting (anyone with its link may join), forgotten after MEETING_LIFETIME_MS. */
  create(title: string | undefined): Promise<Meeting>;
  /** A meeting people may join (scheduled, live or ended): undefined if unknown, expired or cancelled. */
  get(id: string): Promise<Meeting | undefined>;
  createForOrganiser(ownerId: string, input: NewOrganiserMeeting): Promise<Meeting>;
  /** The owner's meetings, cancelled ones included, by start time. */
  listByOwner(ownerId: string): Promise<Meeting[]>;
  /** The owner's meeting, even cancelled; undefined if unknown or someone else's. */
  getOwned(ownerId: string, id: string): Promise<Meeting | undefined>;
  /** Undefined if unknown, someone else's, or cancelled (a cancelled meeting is final). */
  update(ownerId: string, id: string, patch: MeetingPatch): Promise<Meeting | undefined>;
  /**
   * Cancels a meeting never held (idempotent). The meeting as it is afterwards: `cancelled`, or
   * unchanged (`live`, `ended`) when it was opened, its record then stays true; undefined if
   * unknown or someone else's.
   */
  cancel(ownerId: string, id: string): Promise<Meeting | undefined>;
  /**
   * Moves the meeting's status on its room's `event`, which happened at `at` (any owner's meeting,
   * open ones too; see nextMeetingStatus). Atomic against every other writer, other nodes
   * included: the change applies only to the state it was decided from (a conditional update),
   * else it is decided again from the new one.
   */
  transition(id: string, event: RoomEvent, at: number): Promise<MeetingStatusOutcome>;
}

/** Tries of a conditional status update that keeps losing a race (each loss is another writer's change). */
export const STATUS_UPDATE_TRIES = 5;

/** 16 random bytes = 128 bits, base64url (22 characters). */
export function newMeetingId(random: (n: number) => Buffer = randomBytes): string {
  return random(16).toString('base64url');
}

/** Open meetings are forgotten this long after creation; organiser meetings stay. */
export const MEETING_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** The record of an open meeting created at `now`. */
export function openMeeting(id: string, title: string | undefined, now: number): Meeting {
  return {
    id,
    title,
    createdAt: now,
    ownerId: null,
    kind: 'meeting',
    startsAt: now,
    status: 'scheduled',
    lastSession: null,
    allowEarlyEntry: true,
  };
}

/** A new organiser meeting's record. */
export function organiserMeeting(
  id: string,
  ownerId: string,
  input: NewOrganiserMeeting,
  now: number,
): Meeting {
  return {
    id,
    title: input.title,
    createdAt: now,
    ownerId,
    kind: input.kind,
    startsAt: input.startsAt,
    status: 'scheduled',
    lastSession: null,
    allowEarlyEntry: input.allowEarlyEntry,
  };
}

function copy(meeting: Meeting): Meeting {
  return { ...meeting, lastSession: meeting.lastSession && { ...meeting.lastSession } };
}

export function isOpenMeetingExpired(meeting: Meeting, now: number): boolean {
  return meeting.ownerId === null && now - meeting.createdAt > MEETING_LIFETIME_MS;
}

/** For tests and for a single process without a database. */
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
    const meeting = openMeeting(newMeetingId(this.#random), title, this.#now());
    this.#meetings.set(meeting.id, meeting);
    return Promise.resolve(copy(meeting));
  }

  get(id: string): Promise<Meeting | undefined> {
    const meeting = this.#meetings.get(id);
    if (meeting && isOpenMeetingExpired(meeting, this.#now())) {
      this.#meetings.delete(id);
      return Promise.resolve(undefined);
    }
    if (!meeting || meeting.status === 'cancelled') {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(copy(meeting));
  }

  createForOrganiser(ownerId: string, input: NewOrganiserMeeting): Promise<Meeting> {
    const meeting = organiserMeeting(newMeetingId(this.#random), ownerId, input, this.#now());
    this.#meetings.set(meeting.id, meeting);
    return Promise.resolve(copy(meeting));
  }

  listByOwner(ownerId: string): Promise<Meeting[]> {
    const owned = [...this.#meetings.values()]
      .filter((m) => m.ownerId === ownerId)
      .sort((a, b) => a.startsAt - b.startsAt || a.createdAt - b.createdAt)
      .map(copy);
    return Promise.resolve(owned);
  }

  getOwned(ownerId: string, id: string): Promise<Meeting | undefined> {
    const meeting = this.#owned(ownerId, id);
    return Promise.resolve(meeting && copy(meeting));
  }

  update(ownerId: string, id: string, patch: MeetingPatch): Promise<Meeting | undefined> {
    const meeting = this.#owned(ownerId, id);
    if (!meeting || meeting.status === 'cancelled') {
      return Promise.resolve(undefined);
    }
    // Field by field: a patch object may carry anything at run time.
    if (patch.title !== undefined) {
      meeting.title = patch.title;
    }
    if (patch.kind !== undefined) {
      meeting.kind = patch.kind;
    }
    if (patch.startsAt !== undefined) {
      meeting.startsAt = patch.startsAt;
    }
    if (patch.allowEarlyEntry !== undefined) {
      meeting.allowEarlyEntry = patch.allowEarlyEntry;
    }
    return Promise.resolve(copy(meeting));
  }

  cancel(ownerId: string, id: string): Promise<Meeting | undefined> {
    const meeting = this.#owned(ownerId, id);
    const decided = nextMeetingStatus(meeting, 'cancel', this.#now());
    if (meeting && decided.kind === 'changed') {
      Object.assign(meeting, decided.next);
    }
    return Promise.resolve(meeting && copy(meeting));
  }

  transition(id: string, event: RoomEvent, at: number): Promise<MeetingStatusOutcome> {
    const meeting = this.#meetings.get(id);
    const decided = nextMeetingStatus(meeting, event, at);
    if (!meeting || decided.kind === 'refused') {
      return Promise.resolve({
        kind: 'refused',
        reason: decided.kind === 'refused' ? decided.reason : 'unknown',
      });
    }
    if (decided.kind === 'changed') {
      Object.assign(meeting, decided.next);
    }
    return Promise.resolve({ kind: decided.kind, meeting: copy(meeting) });
  }

  #owned(ownerId: string, id: string): Meeting | undefined {
    const meeting = this.#meetings.get(id);
    return meeting && meeting.ownerId === ownerId ? meeting : undefined;
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, meeting] of this.#meetings) {
      if (isOpenMeetingExpired(meeting, now)) {
        this.#meetings.delete(id);
      }
    }
  }
}
