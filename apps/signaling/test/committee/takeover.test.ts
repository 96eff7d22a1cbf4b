// A committee room rebuilt on another node from its snapshot, its journal continued in the same file.
import { appendFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '@confidentiel/protocol';
import { JournalLock } from '@confidentiel/journal';
import type { CommitteeRoom } from '../../src/committee/CommitteeRoom.ts';
import type { CommitteeSnapshot } from '../../src/committee/CommitteeSnapshot.ts';
import { CommitteeSnapshotError } from '../../src/committee/CommitteeSnapshotError.ts';
import { MemoryCommitteeSnapshotStore } from '../../src/committee/MemoryCommitteeSnapshotStore.ts';
import { StaleOwnerError } from '../../src/rooms/StaleOwnerError.ts';
import {
  AGENDA,
  EVERYONE,
  MEETING_ID,
  alice,
  arrive,
  bob,
  carol,
  chair,
  observer,
  secretary,
  startWorld,
  type World,
} from './roomHarness.ts';

const RECORDING_ID = 'rec0123456789abcdefghijk';
const item = (n: number): string => AGENDA[n]!.itemId;

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

let world: World;
afterEach(async () => {
  await world?.close();
});

/** A session on node A up to a secret vote with two ballots cast, and everything else in use. */
async function sessionUpToSecretVote(room: CommitteeRoom) {
  await arrive(world, room, EVERYONE);
  await room.agendaOpen(chair, { itemId: item(0) });
  world.tick(40_000);
  await room.raiseHand(alice);
  await room.raiseHand(bob);
  await room.giveFloor(chair, { memberId: alice.memberId });
  world.tick(25_000);
  await room.saveMinutes(secretary, { itemId: item(0), revision: 1, sealed: 'c2VhbGVkLW1pbnV0ZXMtb25l' });
  await room.saveMinutes(secretary, { itemId: item(0), revision: 2, sealed: 'c2VhbGVkLW1pbnV0ZXMtdHdv' });
  await room.setRecording(chair, { on: true, recordingId: RECORDING_ID });
  const { voteId: first } = await room.openVote(chair, { motion: 'Adopter l’ordre du jour', secret: false });
  await room.castVote(alice, { voteId: first, choice: 'pour' });
  await room.castVote(bob, { voteId: first, choice: 'contre' });
  await room.closeVote(chair, { voteId: first });
  await room.agendaReorder(chair, { itemIds: [item(0), item(2), item(1)] });
  const { voteId } = await room.openVote(chair, { motion: 'Nommer Mme Roux trésorière', secret: true });
  await room.castVote(alice, { voteId, choice: 'pour' });
  await room.castVote(bob, { voteId, choice: 'contre' });
  // A refusal: journaled, and it starts the flood guard's budget for Carol.
  await expect(room.castVote(carol, { voteId, choice: 'peut-être' })).rejects.toThrow(ProtocolError);
  world.tick(5_000);
  return { voteId };
}

describe('a committee room taken over by another node', () => {
  it('continues the open secret vote from the snapshot: every ballot counted once, one journal chain', async () => {
    world = await startWorld();
    const fences = new Map([[MEETING_ID, '1']]);
    const store = new MemoryCommitteeSnapshotStore({ currentFence: (id) => fences.get(id) });
    const nodeA = world.node('1');
    // Node A replicates its room after each change, under its fence.
    const saves: Promise<void>[] = [];
    const a: CommitteeRoom = nodeA.newRoom({
      changed: () => saves.push(store.save(MEETING_ID, a.toSnapshot(), '1')),
    });
    const { voteId } = await sessionUpToSecretVote(a);
    await Promise.all(saves);
    const stored = (await store.load(MEETING_ID))!;
    expect({ ...stored, takenAt: 0 }).toEqual({ ...a.toSnapshot(), takenAt: 0 });

    // Then it is killed: its room is never closed.
    const sessionId = nodeA.opened[0]!.sessionId;
    // It died in the middle of writing an entry that never took effect.
    await appendFile(world.pathOf(sessionId), '{"at":1795424469000,"data":{"choice":"po');

    // Node B takes the lease (fence 2), reads the snapshot and reopens the same journal file.
    fences.set(MEETING_ID, '2');
    const nodeB = world.node('2');
    const snapshot = (await store.load(MEETING_ID))!;
    const journal = await nodeB.resumeJournal(snapshot);
    const before = await world.journalText(sessionId);
    const b = nodeB.restore(snapshot, journal);

    // Restoring is not an action: nothing journaled, nothing broadcast, the same state.
    expect(await world.journalText(sessionId)).toBe(before);
    expect(nodeB.broadcasts.states).toEqual([]);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.toSnapshot()).toEqual(a.toSnapshot());
    expect(b.live).toBe(true);
    expect(b.snapshot().vote).toMatchObject({ voteId, voted: [alice.memberId, bob.memberId] });

    // The stale node wakes up: its journal writes and its replication are refused, nothing changes.
    await expect(a.castVote(carol, { voteId, choice: 'pour' })).rejects.toMatchObject({ reason: 'internal' });
    await expect(store.save(MEETING_ID, a.toSnapshot(), '1')).rejects.toBeInstanceOf(StaleOwnerError);
    expect(await world.journalText(sessionId)).toBe(before);
    expect((await store.load(MEETING_ID))!.vote!.ballots).toHaveLength(2);

    // The session goes on on node B.
    await expect(b.castVote(bob, { voteId, choice: 'pour' })).rejects.toMatchObject({ reason: 'conflict' });
    await b.castVote(carol, { voteId, choice: 'pour' });
    await b.castVote(secretary, { voteId, choice: 'abstention' });
    await b.castVote(chair, { voteId, choice: 'pour' });
    await expect(b.castVote(observer, { voteId, choice: 'pour' })).rejects.toMatchObject({
      reason: 'forbidden',
    });
    const result = await b.closeVote(chair, { voteId });
    expect(result).toMatchObject({
      cast: 5,
      tally: { pour: 3, contre: 1, abstention: 1 },
      ballots: null,
      eligible: 5,
      quorum: 3,
      quorumReached: true,
      outcome: 'adopted',
    });
    world.tick(10_000);
    await b.withdrawFloor(chair);
    await b.agendaClose(chair, { itemId: item(0) });
    const state = b.snapshot();
    // The item's clock and Alice's speaking time ran across the takeover, counted once.
    expect(state.agenda[0]).toMatchObject({
      status: 'closed',
      elapsedMs: 80_000,
      speakingMs: { [alice.memberId]: 40_000 },
    });
    expect(state.minutes[item(0)]).toMatchObject({ revision: 2 });
    expect(state.recording).toMatchObject({ on: true, recordingId: RECORDING_ID });
    expect(state.results.map((r) => r.cast)).toEqual([2, 5]);
    await b.close();

    // One chain in one file: seq 0…n-1, one session, every entry verified, no entry twice.
    const text = await world.journalText(sessionId);
    const report = await world.verify(text);
    expect(report.failure).toBeUndefined();
    expect(report).toMatchObject({ ok: true, sessionId });
    const entries = await world.entries(sessionId);
    expect(entries.map((e) => e.seq)).toEqual([...entries.keys()]);
    expect(entries.filter((e) => e.type === 'session-started')).toHaveLength(1);
    expect(entries[entries.length - 1]).toMatchObject({
      type: 'session-ended',
      data: { reason: 'shutdown' },
    });
    const ballots = entries.filter((e) => e.type === 'vote-cast' && e.data.voteId === voteId);
    expect(ballots.map((e) => e.data.memberId)).toEqual([
      alice.memberId,
      bob.memberId,
      carol.memberId,
      secretary.memberId,
      chair.memberId,
    ]);
    // A secret ballot's entries say who voted, never what; the snapshot never reached the journal.
    expect(ballots.every((e) => !('choice' in e.data))).toBe(true);
    const closed = entries.find((e) => e.type === 'vote-closed' && e.data.voteId === voteId)!;
    expect(closed.data).toMatchObject({ ballots: null, tally: { pour: 3, contre: 1, abstention: 1 } });
    // Node B holds the file under its fence; it let go of it at close.
    expect(await JournalLock.fences(world.pathOf(sessionId))).toEqual([]);
  });

  it('rebuilds a room paused between sessions, and the next arrival opens a new journal', async () => {
    world = await startWorld();
    const nodeA = world.node();
    let snapshot: CommitteeSnapshot | undefined;
    const a: CommitteeRoom = nodeA.newRoom({ changed: () => (snapshot = a.toSnapshot()) });
    const { voteId } = await sessionUpToSecretVote(a);
    for (const person of EVERYONE) {
      world.present.delete(person);
      await a.memberLeft(person);
    }
    expect(a.live).toBe(false);
    // The last departure ended the session, and was replicated.
    expect(snapshot).toEqual(a.toSnapshot());
    expect(snapshot!.journal).toBeNull();

    const nodeB = world.node();
    const b = nodeB.restore(snapshot!);
    expect(b.snapshot()).toEqual(a.snapshot());
    world.tick(60_000);
    await arrive(world, b, [chair, carol]);
    expect(nodeB.opened).toHaveLength(1);
    const sessionId = nodeB.opened[0]!.sessionId;
    await b.castVote(carol, { voteId, choice: 'pour' });
    await b.close();

    const entries = await world.entries(sessionId);
    expect((await world.verify(await world.journalText(sessionId))).ok).toBe(true);
    expect(entries[0]).toMatchObject({
      seq: 0,
      type: 'session-started',
      data: { currentItemId: item(0), openVote: { voteId, voted: 2 }, recordingId: RECORDING_ID },
    });
    expect(entries[0]!.data.openVote).not.toHaveProperty('ballots');
  });

  it('refuses a snapshot that breaks the room’s rules, or a journal that is not its session', async () => {
    world = await startWorld();
    const nodeA = world.node('1');
    const a = nodeA.newRoom();
    const { voteId } = await sessionUpToSecretVote(a);
    const snapshot = a.toSnapshot();
    const nodeB = world.node('2');
    const journal = await nodeB.resumeJournal(snapshot);
    const broken = (change: (s: CommitteeSnapshot) => void): CommitteeSnapshot => {
      const copy = structuredClone(snapshot);
      change(copy);
      return copy;
    };
    const invalid = [
      broken((s) => (s.vote!.ballots[0]!.choice = 'peut-être')),
      broken((s) => s.vote!.ballots.push({ ...s.vote!.ballots[0]! })),
      broken((s) => (s.currentItemId = item(1))),
      broken((s) => s.results.push({ ...s.results[0]!, voteId })),
      broken((s) => Object.assign(s, { extra: true })),
      broken((s) => Object.assign(s, { version: 2 })),
    ];
    for (const bad of invalid) {
      const error = thrownBy(() => nodeB.restore(bad, journal));
      expect(error).toBeInstanceOf(CommitteeSnapshotError);
      expect(error).toMatchObject({ reason: 'invalid' });
    }
    const mismatched = [
      () => nodeB.restore(snapshot),
      () =>
        nodeB.restore(
          broken((s) => (s.journal!.sessionId = `${MEETING_ID}/other`)),
          journal,
        ),
      () =>
        nodeB.restore(
          broken((s) => (s.journal!.head!.seq += 3)),
          journal,
        ),
      () =>
        nodeB.restore(
          broken((s) => (s.journal!.head!.hash = 'f'.repeat(64))),
          journal,
        ),
      () =>
        nodeB.restore(
          broken((s) => (s.journal = null)),
          journal,
        ),
    ];
    // Entries the dead owner wrote after its last snapshot stay in the chain; the state is the snapshot's.
    const ahead = broken((s) => (s.journal!.head = { seq: s.journal!.head!.seq - 2, hash: 'f'.repeat(64) }));
    expect(nodeB.restore(ahead, journal).snapshot()).toEqual(a.snapshot());
    for (const restore of mismatched) {
      expect(thrownBy(restore)).toMatchObject({ name: 'CommitteeSnapshotError', reason: 'mismatch' });
    }
    expect(nodeB.restore(snapshot, journal).snapshot()).toEqual(a.snapshot());
  });

  it('tells its owner to replicate after each change, the meeting’s end and a refusal included', async () => {
    world = await startWorld();
    const taken: CommitteeSnapshot[] = [];
    const room: CommitteeRoom = world.node().newRoom({ changed: () => taken.push(room.toSnapshot()) });
    await arrive(world, room, [chair, alice]);
    expect(taken.map((s) => s.present.length)).toEqual([1, 2]);
    await room.committeeState(alice);
    await expect(room.agendaOpen(alice, { itemId: item(0) })).rejects.toMatchObject({ reason: 'forbidden' });
    expect(taken[2]!.refusals).toEqual([{ memberId: alice.memberId, since: world.now(), count: 1 }]);
    await room.meetingEnded(chair);
    expect(taken.map((s) => s.ended)).toEqual([false, false, false, true]);
    await room.close();
  });

  it('has no snapshot once closed', async () => {
    world = await startWorld();
    const room = world.node().newRoom();
    await room.close();
    expect(() => room.toSnapshot()).toThrow(CommitteeSnapshotError);
  });
});
