// Two signaling nodes' CommitteeServices sharing a snapshot store and a journal directory, the
// meeting's lease moving from one to the other (fence 1, then 2, then 3), as in a cluster.
import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberInfo, MemberRole } from '@confidentiel/protocol';
import { JournalLock, JournalSigner, publicKeyMap, verifyJournal } from '@confidentiel/journal';
import type { AgendaStore, PreparedItem } from '../../src/committee/AgendaStore.ts';
import type { CommitteeRoom } from '../../src/committee/CommitteeRoom.ts';
import { CommitteeService, type CommitteeMember } from '../../src/committee/CommitteeService.ts';
import { JournalService } from '../../src/committee/JournalService.ts';
import { MemoryCommitteeSnapshotStore } from '../../src/committee/MemoryCommitteeSnapshotStore.ts';
import { InMemoryMeetingStore } from '../../src/meetings/MeetingStore.ts';
import { InMemoryRoomState } from '../../src/rooms/RoomState.ts';
import { captureLogger, waitFor } from '../support/harness.ts';
import { AGENDA, MemoryMinutesStore } from './roomHarness.ts';
import type { Entry } from './support.ts';

class MemoryAgendaStore implements AgendaStore {
  get(): Promise<PreparedItem[]> {
    return Promise.resolve(AGENDA.map((item) => ({ ...item })));
  }

  replace(): Promise<PreparedItem[]> {
    return Promise.reject(new Error('not in these tests'));
  }
}

interface Person {
  memberId: string;
  name: string;
  role: MemberRole;
}

const chair: Person = { memberId: 'chair-0001', name: 'Maître Martin', role: 'host' };
const alice: Person = { memberId: 'alice-00001', name: 'Alice Petit', role: 'participant' };
const bob: Person = { memberId: 'bob-0000001', name: 'Bob Leroy', role: 'participant' };
const carol: Person = { memberId: 'carol-00001', name: 'Carol Roux', role: 'participant' };
const EVERYONE = [chair, alice, bob, carol];

/** One signaling node: its CommitteeService, its own journal service on the shared directory. */
interface Node {
  service: CommitteeService;
  journals: JournalService;
  /** What its room namespace was asked to send. */
  emitted: { to: string; event: string }[];
  lines: string[];
  member(person: Person): CommitteeMember;
  /** The person's room, through the service (as a request would reach it). */
  room(person?: Person): Promise<CommitteeRoom>;
}

interface World {
  roomId: string;
  dir: string;
  state: InMemoryRoomState;
  store: MemoryCommitteeSnapshotStore;
  /** The meeting's lease fence in "Redis". */
  fence: { current: string | undefined };
  node(fence: string, options?: { retainEmptyMs?: number }): Node;
  arrive(node: Node, people: Person[]): Promise<void>;
  files(): Promise<string[]>;
  entries(): Promise<Entry[]>;
  verify(): Promise<Awaited<ReturnType<typeof verifyJournal>>>;
  close(): Promise<void>;
}

function memberInfo(person: Person, index: number): MemberInfo {
  return {
    memberId: person.memberId,
    displayName: person.name,
    joinedAt: Date.now(),
    identity: { ecdh: 'e'.repeat(87), sign: 's'.repeat(87) },
    senderIndex: index,
    role: person.role,
  };
}

async function startWorld(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'committee-service-'));
  const journalDir = join(dir, 'journals');
  // Every node signs with the key of the shared DATA_DIR.
  const signer = JournalSigner.generate();
  const meetings = new InMemoryMeetingStore();
  const meeting = await meetings.createForOrganiser('account-owner-0001', {
    title: 'Conseil de l’ordre',
    kind: 'committee',
    startsAt: Date.now(),
    allowEarlyEntry: true,
  });
  const roomId = meeting.id;
  const state = new InMemoryRoomState();
  const minutes = new MemoryMinutesStore();
  const fence: { current: string | undefined } = { current: undefined };
  const store = new MemoryCommitteeSnapshotStore({ currentFence: () => fence.current });
  const nodes: Node[] = [];
  const folder = join(journalDir, roomId);
  const files = async (): Promise<string[]> =>
    (await readdir(folder).catch(() => [])).filter((name) => name.endsWith('.jsonl')).sort();

  const world: World = {
    roomId,
    dir,
    state,
    store,
    fence,
    node(nodeFence, options = {}) {
      const { logger, lines } = captureLogger(`node-${nodeFence}`);
      const journals = new JournalService({ directory: journalDir, signer, logger });
      const service = new CommitteeService({
        meetings,
        agenda: new MemoryAgendaStore(),
        minutes,
        journals,
        state,
        snapshots: store,
        // What this node believes: its lease, until it hears otherwise.
        fenceOf: () => nodeFence,
        logger,
        ...options,
      });
      const emitted: Node['emitted'] = [];
      const nsp = {
        to: (to: string) => ({ emit: (event: string) => emitted.push({ to, event }) }),
      } as unknown as Namespace;
      const member = (person: Person): CommitteeMember => ({
        memberId: person.memberId,
        roomId,
        role: person.role,
        identity: { name: person.name },
        socket: { nsp },
      });
      const node: Node = {
        service,
        journals,
        emitted,
        lines,
        member,
        room: async (person = chair) => (await service.roomOf(member(person)))!,
      };
      nodes.push(node);
      return node;
    },
    async arrive(node, people) {
      for (const person of people) {
        await state.addMember(roomId, memberInfo(person, EVERYONE.indexOf(person)));
        node.service.memberJoined(node.member(person));
      }
      const room = await node.room();
      // The hooks are queued in the room: a read waits for them.
      await room.committeeState({ memberId: chair.memberId, displayName: chair.name, role: 'host' });
    },
    files,
    async entries() {
      const names = await files();
      expect(names).toHaveLength(1);
      const text = await readFile(join(folder, names[0]!), 'utf8');
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Entry);
    },
    async verify() {
      const names = await files();
      expect(names).toHaveLength(1);
      const text = await readFile(join(folder, names[0]!), 'utf8');
      return verifyJournal(text, { publicKeys: publicKeyMap([signer.publicKey]) });
    },
    async close() {
      for (const node of nodes) {
        await node.service.close();
        await node.journals.close();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

const actor = (person: Person) => ({
  memberId: person.memberId,
  displayName: person.name,
  role: person.role,
});
const item = (n: number): string => AGENDA[n]!.itemId;

/** The log lines of `node` at `level` (pino: 40 warn, 50 error) whose message contains `text`. */
function logged(node: Node, level: number, text: string): boolean {
  return node.lines.some((line) => {
    const entry = JSON.parse(line) as { level: number; msg: string };
    return entry.level === level && entry.msg.includes(text);
  });
}

let world: World;
afterEach(async () => {
  await world?.close();
});

/** Node A (fence 1) runs the session up to an open vote with two ballots. */
async function sessionOnA(): Promise<{ a: Node; voteId: string }> {
  world.fence.current = '1';
  const a = world.node('1');
  await world.arrive(a, EVERYONE);
  const room = await a.room();
  await room.agendaOpen(actor(chair), { itemId: item(0) });
  const { voteId } = await room.openVote(actor(chair), { motion: 'Adopter le budget 2027', secret: false });
  await room.castVote(actor(alice), { voteId, choice: 'pour' });
  await room.castVote(actor(bob), { voteId, choice: 'contre' });
  await a.service.replicated();
  return { a, voteId };
}

describe('a committee session whose meeting moves to another node', () => {
  it('goes on on the new owner: every ballot counted once, one journal chain, the stale owner refused', async () => {
    world = await startWorld();
    const { a, voteId } = await sessionOnA();
    expect((await world.store.load(world.roomId))!.vote!.ballots).toHaveLength(2);
    // Carol leaves while A dies: the room state (Redis) has it, A's committee room never heard.
    await world.state.removeMember(world.roomId, carol.memberId);
    const before = await world.entries();

    // A stops renewing; B claims the meeting with fence 2 and takes it over (twice: idempotent).
    world.fence.current = '2';
    const b = world.node('2');
    await Promise.all([b.service.takeOver(world.roomId), b.service.takeOver(world.roomId)]);
    await b.service.takeOver(world.roomId);
    expect(b.service.hasSession(world.roomId)).toBe(true);
    expect(b.emitted).toEqual([]);

    // Restoring wrote nothing but what the room state says happened meanwhile: Carol left (a
    // presence entry, written in the background).
    const afterTakeover = await waitFor(
      'Carol’s departure in the journal',
      async (): Promise<Entry[] | undefined> => {
        const entries = await world.entries();
        return entries.length > before.length ? entries : undefined;
      },
    );
    expect(afterTakeover.slice(0, before.length)).toEqual(before);
    expect(afterTakeover.slice(before.length).map((e) => [e.type, e.data.memberId])).toEqual([
      ['member-left', carol.memberId],
    ]);
    const roomB = await b.room();
    expect(await b.room(alice)).toBe(roomB);
    const state = roomB.snapshot();
    expect(state.currentItemId).toBe(item(0));
    expect(state.vote).toMatchObject({ voteId, voted: [alice.memberId, bob.memberId] });
    expect(state.attendance.find((s) => s.memberId === carol.memberId)?.leftAt).not.toBeNull();

    // A wakes up: its journal write and its replication are refused; the file and the store keep B's.
    const roomA = await a.room();
    await expect(roomA.castVote(actor(chair), { voteId, choice: 'pour' })).rejects.toMatchObject({
      reason: 'internal',
    });
    a.service.memberLeft(a.member(alice));
    await waitFor('A to see it is stale', () => logged(a, 40, 'the meeting has a newer owner'));
    expect(await world.entries()).toEqual(afterTakeover);
    const stored = (await world.store.load(world.roomId))!;
    expect(stored.present.map((s) => s.memberId).sort()).toEqual(
      [chair, alice, bob].map((p) => p.memberId).sort(),
    );

    // The vote goes on on B: a second ballot refused, the chair's counted, the result counts 3.
    await expect(roomB.castVote(actor(bob), { voteId, choice: 'pour' })).rejects.toMatchObject({
      reason: 'conflict',
    });
    await roomB.castVote(actor(chair), { voteId, choice: 'pour' });
    const result = await roomB.closeVote(actor(chair), { voteId });
    expect(result).toMatchObject({ cast: 3, tally: { pour: 2, contre: 1 } });
    expect(b.emitted.filter((e) => e.event === 'committeeState').length).toBeGreaterThan(0);
    await b.service.replicated();
    expect((await world.store.load(world.roomId))!.results.map((r) => r.cast)).toEqual([3]);
    await b.service.close();

    // One file, one chain: seq 0…n-1 verified, one session, each ballot once.
    const report = await world.verify();
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    const entries = await world.entries();
    expect(entries.map((e) => e.seq)).toEqual([...entries.keys()]);
    expect(entries.filter((e) => e.type === 'session-started')).toHaveLength(1);
    expect(
      entries.filter((e) => e.type === 'vote-cast').map((e) => [e.data.memberId, e.data.choice]),
    ).toEqual([
      [alice.memberId, 'pour'],
      [bob.memberId, 'contre'],
      [chair.memberId, 'pour'],
    ]);
    expect(entries.at(-1)).toMatchObject({ type: 'session-ended', data: { reason: 'shutdown' } });
    expect(
      await JournalLock.fences(join(world.dir, 'journals', world.roomId, (await world.files())[0]!)),
    ).toEqual([]);
  });

  it('drops a lost meeting without a word: the next owner continues the same chain', async () => {
    world = await startWorld();
    const { voteId } = await sessionOnA();
    world.fence.current = '2';
    const b = world.node('2');
    await b.service.takeOver(world.roomId);
    await (await b.room()).castVote(actor(carol), { voteId, choice: 'pour' });
    const before = await world.entries();

    // B loses the lease to C (fence 3): it forgets the room, writing nothing.
    world.fence.current = '3';
    b.service.drop(world.roomId);
    expect(b.service.hasSession(world.roomId)).toBe(false);
    b.service.memberLeft(b.member(carol));
    const c = world.node('3');
    await c.service.takeOver(world.roomId);
    expect(await world.entries()).toEqual(before);
    const roomC = await c.room();
    expect(roomC.snapshot().vote?.voted).toEqual([alice.memberId, bob.memberId, carol.memberId]);
    expect(logged(c, 40, 'entries written after the last committee snapshot')).toBe(false);
    await roomC.castVote(actor(chair), { voteId, choice: 'contre' });
    expect(await roomC.closeVote(actor(chair), { voteId })).toMatchObject({ cast: 4 });
    await c.service.close();
    expect((await world.verify()).ok).toBe(true);
    const entries = await world.entries();
    expect(entries.map((e) => e.seq)).toEqual([...entries.keys()]);
    expect(entries.filter((e) => e.type === 'session-ended')).toHaveLength(1);
  });

  it('hands its meetings over on a graceful stop: the last state saved, the journal continued', async () => {
    world = await startWorld();
    const { a, voteId } = await sessionOnA();
    await a.service.handOver();
    await a.service.handOver();
    const entries = await world.entries();
    const stored = (await world.store.load(world.roomId))!;
    // The snapshot names the file's last entry; the session did not end.
    expect(stored.journal?.head).toEqual({ seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash });
    expect(entries.some((e) => e.type === 'session-ended')).toBe(false);
    expect(
      await JournalLock.fences(join(world.dir, 'journals', world.roomId, (await world.files())[0]!)),
    ).toEqual([]);
    await expect(a.service.roomOf(a.member(chair))).rejects.toMatchObject({ reason: 'busy' });

    world.fence.current = '2';
    const b = world.node('2');
    await b.service.takeOver(world.roomId);
    const roomB = await b.room();
    await roomB.castVote(actor(carol), { voteId, choice: 'pour' });
    expect(await roomB.closeVote(actor(chair), { voteId })).toMatchObject({ cast: 3 });
    expect(logged(b, 40, 'entries written after the last committee snapshot')).toBe(false);
    await b.service.close();
    expect((await world.verify()).ok).toBe(true);
  });

  it('starts a new session with the state when the journal cannot be continued', async () => {
    world = await startWorld();
    const { voteId } = await sessionOnA();
    const [lost] = await world.files();
    await unlink(join(world.dir, 'journals', world.roomId, lost!));
    world.fence.current = '2';
    const b = world.node('2');
    await b.service.takeOver(world.roomId);
    expect(logged(b, 50, 'cannot be continued')).toBe(true);
    const roomB = await b.room();
    expect(roomB.live).toBe(true);
    await roomB.castVote(actor(carol), { voteId, choice: 'pour' });
    await b.service.close();
    const entries = await world.entries();
    expect(entries[0]).toMatchObject({
      seq: 0,
      type: 'session-started',
      data: { currentItemId: item(0), openVote: { voteId, voted: 2 } },
    });
    expect(entries.filter((e) => e.type === 'member-joined')).toHaveLength(EVERYONE.length);
    expect((await world.verify()).ok).toBe(true);
  });

  it('forgets the stored snapshot with the room: retention over, or the meeting ended', async () => {
    world = await startWorld();
    world.fence.current = '1';
    const a = world.node('1', { retainEmptyMs: 50 });
    await world.arrive(a, [chair, alice]);
    for (const person of [chair, alice]) {
      await world.state.removeMember(world.roomId, person.memberId);
      a.service.memberLeft(a.member(person));
    }
    await waitFor('the paused room to be replicated', async () => {
      const stored = await world.store.load(world.roomId);
      return stored?.journal === null && stored.present.length === 0;
    });
    // A dies in the pause; B rebuilds the paused room and runs its retention.
    world.fence.current = '2';
    const b = world.node('2', { retainEmptyMs: 50 });
    await b.service.takeOver(world.roomId);
    expect(b.service.hasSession(world.roomId)).toBe(true);
    await waitFor('the retention to end', () => !b.service.hasSession(world.roomId));
    await waitFor(
      'the snapshot to be deleted',
      async () => (await world.store.load(world.roomId)) === undefined,
    );

    // The meeting ended: forgotten as soon as the last member is out.
    await world.arrive(b, [chair]);
    expect(await world.store.load(world.roomId)).toBeDefined();
    b.service.meetingEnded(world.roomId, b.member(chair));
    await world.state.removeMember(world.roomId, chair.memberId);
    b.service.memberLeft(b.member(chair));
    await waitFor(
      'the ended meeting to be forgotten',
      async () => (await world.store.load(world.roomId)) === undefined,
    );
    expect(b.service.hasSession(world.roomId)).toBe(false);
  });
});
