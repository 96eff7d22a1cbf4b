/**
 * A committee room without sockets or an SFU, as one signaling node runs it: real session
 * journal files in a temporary DATA_DIR/journals, a minutes store in memory, a clock the test
 * moves, and the members the room's RoomState would list. Several "nodes" can run rooms of the
 * same meeting on the same directory, as nodes sharing DATA_DIR do.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import { JournalSigner, publicKeyMap, verifyJournal, type JournalReport } from '@confidentiel/journal';
import type { PreparedItem } from '../../src/committee/AgendaStore.ts';
import {
  CommitteeRoom,
  type CommitteeActor,
  type CommitteeRestoreOptions,
  type CommitteeRoomOptions,
} from '../../src/committee/CommitteeRoom.ts';
import type { CommitteeSnapshot } from '../../src/committee/CommitteeSnapshot.ts';
import type { MinutesRevision, MinutesStore } from '../../src/committee/MinutesStore.ts';
import { SessionJournal } from '../../src/committee/SessionJournal.ts';
import type { Entry } from './support.ts';

export const MEETING_ID = 'Cq3kV9xZpL2mN8rT5wYb0A';
export const START = Date.UTC(2026, 10, 23, 9, 0, 0);

export const AGENDA: PreparedItem[] = [
  {
    itemId: 'itemBudget01',
    title: 'Budget 2027',
    presenter: 'M. le Trésorier',
    plannedMinutes: 20,
    notes: '',
  },
  { itemId: 'itemNomin002', title: 'Nominations', presenter: null, plannedMinutes: 10, notes: '' },
  { itemId: 'itemDivers03', title: 'Questions diverses', presenter: null, plannedMinutes: 0, notes: '' },
];

export const chair: CommitteeActor = { memberId: 'chair-0001', displayName: 'Maître Martin', role: 'host' };
export const secretary: CommitteeActor = {
  memberId: 'secretary-01',
  displayName: 'Maître Bernard',
  role: 'co-host',
};
export const alice: CommitteeActor = {
  memberId: 'alice-00001',
  displayName: 'Alice Petit',
  role: 'participant',
};
export const bob: CommitteeActor = { memberId: 'bob-0000001', displayName: 'Bob Leroy', role: 'participant' };
export const carol: CommitteeActor = {
  memberId: 'carol-00001',
  displayName: 'Carol Roux',
  role: 'participant',
};
export const observer: CommitteeActor = {
  memberId: 'olivier-001',
  displayName: 'Olivier Obs',
  role: 'observer',
};
export const EVERYONE = [chair, secretary, alice, bob, carol, observer];

/** Minutes revisions in memory, with the store's rule (revision = latest + 1). */
export class MemoryMinutesStore implements MinutesStore {
  readonly revisions: MinutesRevision[] = [];

  latestRevision(meetingId: string, itemId: string): Promise<number> {
    const mine = this.revisions.filter((m) => m.meetingId === meetingId && m.itemId === itemId);
    return Promise.resolve(Math.max(0, ...mine.map((m) => m.revision)));
  }

  async save(minutes: MinutesRevision): Promise<boolean> {
    if (minutes.revision !== (await this.latestRevision(minutes.meetingId, minutes.itemId)) + 1) {
      return false;
    }
    this.revisions.push({ ...minutes });
    return true;
  }

  latest(meetingId: string): Promise<MinutesRevision[]> {
    const latest = new Map<string, MinutesRevision>();
    for (const m of this.revisions.filter((r) => r.meetingId === meetingId)) {
      latest.set(m.itemId, m);
    }
    return Promise.resolve([...latest.values()]);
  }
}

/** What a node's room sent: states to everyone, floor changes to one member. */
export interface Broadcasts {
  states: CommitteeState[];
  floor: [memberId: string, speaking: boolean][];
}

/** One signaling node running the meeting's committee room. */
export interface Node {
  broadcasts: Broadcasts;
  /** The journals this node opened (new sessions). */
  opened: SessionJournal[];
  /** The collaborators of a room on this node, for the constructor or `restore`. */
  deps(): Omit<CommitteeRestoreOptions, 'journal'>;
  /** A room made as CommitteeService makes one; `extra` adds or replaces options (e.g. `changed`). */
  newRoom(extra?: Partial<CommitteeRoomOptions>): CommitteeRoom;
  restore(snapshot: CommitteeSnapshot, journal?: SessionJournal): CommitteeRoom;
  /** Reopens the session's journal file the snapshot names, under this node's fence. */
  resumeJournal(snapshot: CommitteeSnapshot): Promise<SessionJournal>;
}

export interface World {
  dir: string;
  signer: JournalSigner;
  minutes: MemoryMinutesStore;
  /** Who RoomState lists as in the room (the room asks when giving the floor or opening a vote). */
  present: Set<CommitteeActor>;
  now(): number;
  tick(ms: number): void;
  /** A node running rooms of the meeting; `fence`: its lease's, which its journal files are held under. */
  node(fence?: string): Node;
  pathOf(sessionId: string): string;
  journalText(sessionId: string): Promise<string>;
  entries(sessionId: string): Promise<Entry[]>;
  verify(text: string): Promise<JournalReport>;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

function memberInfo(actor: CommitteeActor, index: number): MemberInfo {
  return {
    memberId: actor.memberId,
    displayName: actor.displayName,
    joinedAt: START,
    identity: { ecdh: 'e'.repeat(87), sign: 's'.repeat(87) },
    senderIndex: index,
    role: actor.role,
  };
}

export async function startWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'committee-room-'));
  const signer = JournalSigner.generate();
  const minutes = new MemoryMinutesStore();
  const present = new Set<CommitteeActor>();
  let now = START;
  const journals: SessionJournal[] = [];
  const pathOf = (sessionId: string): string => {
    const [meetingId, start] = sessionId.split('/');
    return join(dir, 'journals', meetingId!, `${start}.jsonl`);
  };
  const journalOptions = (sessionId: string, fence: string | undefined) => ({
    sessionId,
    path: pathOf(sessionId),
    signer,
    now: () => now,
    logger: silent,
    onClosed: () => undefined,
    fence,
  });

  const world: World = {
    dir,
    signer,
    minutes,
    present,
    now: () => now,
    tick(ms) {
      now += ms;
    },
    node(fence) {
      const broadcasts: Broadcasts = { states: [], floor: [] };
      const opened: SessionJournal[] = [];
      const deps = (): Omit<CommitteeRestoreOptions, 'journal'> => ({
        minutesStore: minutes,
        openJournal: () => {
          const journal = new SessionJournal(
            journalOptions(`${MEETING_ID}/${new Date(now).toISOString()}`, fence),
          );
          opened.push(journal);
          journals.push(journal);
          return journal;
        },
        channel: {
          state: (state) => broadcasts.states.push(state),
          floor: (memberId, speaking) => broadcasts.floor.push([memberId, speaking]),
        },
        members: () => Promise.resolve([...present].map(memberInfo)),
        logger: silent,
        now: () => now,
        onEmpty: () => undefined,
      });
      return {
        broadcasts,
        opened,
        deps,
        newRoom: (extra = {}) =>
          new CommitteeRoom({
            ...deps(),
            meetingId: MEETING_ID,
            title: 'Conseil de l’ordre',
            agenda: AGENDA,
            minutes: [],
            ...extra,
          }),
        restore: (snapshot, journal) => CommitteeRoom.restore(snapshot, { ...deps(), journal }),
        async resumeJournal(snapshot) {
          const sessionId = snapshot.journal!.sessionId;
          const journal = await SessionJournal.resume(journalOptions(sessionId, fence));
          journals.push(journal);
          return journal;
        },
      };
    },
    pathOf,
    journalText: (sessionId) => readFile(pathOf(sessionId), 'utf8'),
    async entries(sessionId) {
      const text = await world.journalText(sessionId);
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Entry);
    },
    verify: (text) => verifyJournal(text, { publicKeys: publicKeyMap([signer.publicKey]) }),
    async close() {
      // Closing a journal writes nothing without a time-stamping authority: it frees the file.
      await Promise.all(journals.map((journal) => journal.close().catch(() => undefined)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Everyone in `people` arrives, in order (RoomState lists them, then the room hears of it). */
export async function arrive(world: World, room: CommitteeRoom, people: CommitteeActor[]): Promise<void> {
  for (const person of people) {
    world.present.add(person);
    await room.memberJoined(person);
  }
}
