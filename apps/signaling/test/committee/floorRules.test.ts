// Who speaks in a committee room: the floor's history, free discussion, mute all, and the pauses the
// room asks for when someone loses the right to speak; carried whole by the snapshot to another node.
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberRole } from '@confidentiel/protocol';
import type { CommitteeRoom } from '../../src/committee/CommitteeRoom.ts';
import { parseCommitteeSnapshot } from '../../src/committee/CommitteeSnapshot.ts';
import { MemoryCommitteeSnapshotStore } from '../../src/committee/MemoryCommitteeSnapshotStore.ts';
import { waitFor } from '../support/harness.ts';
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

let world: World;
afterEach(async () => {
  await world?.close();
});

/** The room's microphone pauses as the media side would see them: who was asked to pause, and by whom. */
function pauseRecorder(): {
  pauses: { paused: string[]; by: string }[];
  pause: (which: (memberId: string, role: MemberRole) => boolean, by: string) => Promise<number>;
} {
  const pauses: { paused: string[]; by: string }[] = [];
  return {
    pauses,
    pause: (which, by) => {
      // Everyone's microphone is live here: the room decides whose to pause.
      const paused = EVERYONE.filter((m) => which(m.memberId, m.role)).map((m) => m.memberId);
      pauses.push({ paused, by });
      return Promise.resolve(paused.length);
    },
  };
}

describe('who speaks in a committee room', () => {
  it('lets the chair, secretaries and the speaker speak; pauses who loses the floor; journals it all', async () => {
    world = await startWorld();
    const microphones = pauseRecorder();
    const node = world.node();
    const room = node.newRoom({ pauseMicrophones: microphones.pause });
    await arrive(world, room, EVERYONE);
    const speakers = (): string[] =>
      EVERYONE.filter((m) => room.maySpeak(m.memberId, m.role)).map((m) => m.memberId);

    expect(speakers()).toEqual([chair.memberId, secretary.memberId]);
    await room.agendaOpen(chair, { itemId: AGENDA[0]!.itemId });
    await room.giveFloor(chair, { memberId: alice.memberId });
    expect(speakers()).toEqual([chair.memberId, secretary.memberId, alice.memberId]);
    // Nobody lost the floor: nothing paused.
    expect(microphones.pauses).toEqual([]);

    world.tick(30_000);
    await room.giveFloor(chair, { memberId: bob.memberId });
    expect(speakers()).toEqual([chair.memberId, secretary.memberId, bob.memberId]);
    await waitFor('the pause after the floor passed', () => microphones.pauses.length === 1 || undefined);
    // Decided on the state when the pause runs: Alice lost it, Bob keeps it (Carol, the observer never had it).
    expect(microphones.pauses[0]).toEqual({
      paused: [alice.memberId, carol.memberId, observer.memberId],
      by: chair.memberId,
    });

    world.tick(10_000);
    await room.withdrawFloor(chair);
    expect(speakers()).toEqual([chair.memberId, secretary.memberId]);
    await waitFor('the pause after the withdrawal', () => microphones.pauses.length === 2 || undefined);

    // Free discussion: every participant may speak; closing it pauses those without the floor.
    await expect(room.setFreeDiscussion(alice, { open: true })).rejects.toMatchObject({
      reason: 'forbidden',
    });
    await expect(room.setFreeDiscussion(secretary, { open: true })).rejects.toMatchObject({
      reason: 'forbidden',
    });
    await expect(room.setFreeDiscussion(chair, { open: false })).rejects.toMatchObject({
      reason: 'conflict',
    });
    await room.setFreeDiscussion(chair, { open: true });
    expect(room.snapshot().freeDiscussion).toBe(true);
    expect(speakers()).toEqual([
      chair.memberId,
      secretary.memberId,
      alice.memberId,
      bob.memberId,
      carol.memberId,
    ]);
    expect(room.maySpeak(observer.memberId, observer.role)).toBe(false);
    expect(microphones.pauses).toHaveLength(2);
    await room.setFreeDiscussion(chair, { open: false });
    await waitFor(
      'the pause after free discussion closed',
      () => microphones.pauses.length === 3 || undefined,
    );
    expect(microphones.pauses[2]!.paused).toEqual([
      alice.memberId,
      bob.memberId,
      carol.memberId,
      observer.memberId,
    ]);

    // Mute all: every microphone but the chair's, the secretary's included; the count comes back.
    await expect(room.muteAll(secretary)).rejects.toMatchObject({ reason: 'forbidden' });
    expect(await room.muteAll(chair)).toEqual({ muted: EVERYONE.length - 1 });
    expect(microphones.pauses[3]).toEqual({
      paused: EVERYONE.filter((m) => m !== chair).map((m) => m.memberId),
      by: chair.memberId,
    });

    // The history: every floor given, with its item and its times.
    const start = world.now();
    const { floor } = room.snapshot();
    expect(floor.history).toEqual([
      {
        memberId: alice.memberId,
        displayName: alice.displayName,
        itemId: AGENDA[0]!.itemId,
        from: start - 40_000,
        to: start - 10_000,
      },
      {
        memberId: bob.memberId,
        displayName: bob.displayName,
        itemId: AGENDA[0]!.itemId,
        from: start - 10_000,
        to: start,
      },
    ]);

    const sessionId = room.toSnapshot().journal!.sessionId;
    await room.close();
    const entries = await world.entries(sessionId);
    const types = entries.map((e) => e.type);
    expect(types.filter((t) => /^(free-discussion|all-muted)/.test(t))).toEqual([
      'free-discussion-opened',
      'free-discussion-closed',
      'all-muted',
    ]);
    const refusals = entries.filter((e) => e.type === 'refused').map((e) => e.data['action']);
    expect(refusals).toEqual(['setFreeDiscussion', 'setFreeDiscussion', 'setFreeDiscussion', 'muteAll']);
    expect((await world.verify(await world.journalText(sessionId))).ok).toBe(true);
    expect(node.opened.map((j) => j.sessionId)).toEqual([sessionId]);
  });

  it('pauses a secretary made a participant without the floor, and keeps an open turn with its speaker', async () => {
    world = await startWorld();
    const microphones = pauseRecorder();
    const room = world.node().newRoom({ pauseMicrophones: microphones.pause });
    await arrive(world, room, EVERYONE);
    await room.giveFloor(chair, { memberId: alice.memberId });
    expect(room.snapshot().floor.history.at(-1)).toMatchObject({ memberId: alice.memberId, to: null });
    const demoted = { ...secretary, role: 'participant' as const };
    await room.roleChanged(demoted, 'co-host', chair);
    expect(room.maySpeak(secretary.memberId, 'participant')).toBe(false);
    await waitFor('the pause after the demotion', () => microphones.pauses.length === 1 || undefined);
    expect(microphones.pauses[0]!.by).toBe(chair.memberId);
    await room.close();
  });

  it('carries the history and free discussion to the node that takes the meeting over', async () => {
    world = await startWorld();
    const fences = new Map([[MEETING_ID, '1']]);
    const store = new MemoryCommitteeSnapshotStore({ currentFence: (id) => fences.get(id) });
    const nodeA = world.node('1');
    const saves: Promise<void>[] = [];
    const a: CommitteeRoom = nodeA.newRoom({
      changed: () => saves.push(store.save(MEETING_ID, a.toSnapshot(), '1')),
    });
    await arrive(world, a, EVERYONE);
    await a.giveFloor(chair, { memberId: alice.memberId });
    world.tick(5_000);
    await a.giveFloor(chair, { memberId: bob.memberId });
    await a.setFreeDiscussion(chair, { open: true });
    await Promise.all(saves);

    const snapshot = (await store.load(MEETING_ID))!;
    expect(snapshot.freeDiscussion).toBe(true);
    expect(snapshot.floor.history.map((t) => [t.memberId, t.to === null])).toEqual([
      [alice.memberId, false],
      [bob.memberId, true],
    ]);
    fences.set(MEETING_ID, '2');
    const nodeB = world.node('2');
    const b = nodeB.restore(snapshot, await nodeB.resumeJournal(snapshot));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.maySpeak(alice.memberId, 'participant')).toBe(true);
    await b.setFreeDiscussion(chair, { open: false });
    expect(b.maySpeak(alice.memberId, 'participant')).toBe(false);
    expect(b.maySpeak(bob.memberId, 'participant')).toBe(true);

    // A snapshot from before these existed still parses (closed, no history); a broken history does not.
    const { freeDiscussion: _free, ...older } = snapshot;
    const { history: _history, ...olderFloor } = snapshot.floor;
    const parsed = parseCommitteeSnapshot({ ...older, floor: olderFloor });
    expect([parsed.freeDiscussion, parsed.floor.history]).toEqual([false, []]);
    const twoOpen = snapshot.floor.history.map((t) => ({ ...t, to: null }));
    expect(() =>
      parseCommitteeSnapshot({ ...snapshot, floor: { ...snapshot.floor, history: twoOpen } }),
    ).toThrow(/open turn/);
    await b.close();
  });
});
