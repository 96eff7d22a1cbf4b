import { beforeEach, expect, it } from 'vitest';
import type { RoomState } from '../../src/rooms/RoomState.ts';
import { byId, guest, member, producer, type Fixture } from './support.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'room-bbbbbbbbbbbbbbbbbbbbbb';

/** What every RoomState does, whatever holds it. */
export function roomStateContract(make: () => Fixture<RoomState> | Promise<Fixture<RoomState>>): void {
  let state: RoomState;

  beforeEach(async () => {
    state = (await make()).subject;
  });

  it('answers an unknown room with nothing, and changes nothing asking', async () => {
    expect(await state.members(ROOM)).toEqual([]);
    expect(await state.producers(ROOM)).toEqual([]);
    expect(await state.waiting(ROOM)).toEqual([]);
    expect(await state.hasMember(ROOM, member(1).memberId)).toBe(false);
    expect(await state.hasHost(ROOM)).toBe(false);
    expect(await state.isLocked(ROOM)).toBe(false);
    expect(await state.removeMember(ROOM, member(1).memberId)).toEqual([]);
    expect(await state.removeWaiting(ROOM, guest(1).memberId)).toBeUndefined();
    expect(await state.removeProducer(ROOM, producer(1, 'x').producerId)).toBeUndefined();
    expect(await state.setProducerPaused(ROOM, producer(1, 'x').producerId, true)).toBeUndefined();
    expect(await state.setRole(ROOM, member(1).memberId, 'host')).toBeUndefined();
    expect(await state.clearRoom(ROOM)).toEqual([]);
    expect(await state.roomCount()).toBe(0);
    expect(await state.memberCount()).toBe(0);
  });

  it('lists the members added, in order of arrival, for their room only', async () => {
    // Arrival order, not id order (a member's joinedAt is the time it was added).
    await state.addMember(ROOM, member(2, 'host', 1_000));
    await state.addMember(ROOM, member(1, 'participant', 2_000));
    await state.addMember(OTHER, member(3));
    expect(await state.members(ROOM)).toEqual([member(2, 'host', 1_000), member(1, 'participant', 2_000)]);
    expect(await state.members(OTHER)).toEqual([member(3)]);
    expect(await state.hasMember(ROOM, member(1).memberId)).toBe(true);
    expect(await state.hasMember(OTHER, member(1).memberId)).toBe(false);
  });

  it('keeps one entry per member id: adding again replaces it', async () => {
    await state.addMember(ROOM, member(1));
    await state.addMember(ROOM, { ...member(1), displayName: 'Renamed', senderIndex: 7 });
    expect(await state.members(ROOM)).toEqual([{ ...member(1), displayName: 'Renamed', senderIndex: 7 }]);
  });

  it('removes a member with their producers only, and gives those producers back', async () => {
    const a = member(1);
    const b = member(2);
    await state.addMember(ROOM, a);
    await state.addMember(ROOM, b);
    await state.addProducer(ROOM, producer(1, a.memberId, 'microphone'));
    await state.addProducer(ROOM, producer(2, a.memberId, 'camera', true));
    await state.addProducer(ROOM, producer(3, b.memberId, 'camera'));
    const removed = await state.removeMember(ROOM, a.memberId);
    expect(removed.sort((x, y) => (x.producerId < y.producerId ? -1 : 1))).toEqual([
      producer(1, a.memberId, 'microphone'),
      producer(2, a.memberId, 'camera', true),
    ]);
    expect(await state.members(ROOM)).toEqual([b]);
    expect(await state.hasMember(ROOM, a.memberId)).toBe(false);
    expect(await state.producers(ROOM)).toEqual([producer(3, b.memberId, 'camera')]);
  });

  it('gives sender indexes 0, 1, 2… per room, each once, concurrent callers included', async () => {
    expect(await state.nextSenderIndex(ROOM)).toBe(0);
    expect(await state.nextSenderIndex(ROOM)).toBe(1);
    expect(await state.nextSenderIndex(OTHER)).toBe(0);
    const many = await Promise.all(Array.from({ length: 50 }, () => state.nextSenderIndex(ROOM)));
    expect(new Set(many).size).toBe(50);
    expect(Math.min(...many)).toBe(2);
    expect(Math.max(...many)).toBe(51);
  });

  it('forgets a room once its last member and last waiting guest are gone: lock and sender indexes too', async () => {
    await state.addMember(ROOM, member(1));
    expect(await state.nextSenderIndex(ROOM)).toBe(0);
    await state.setLocked(ROOM, true);
    await state.addWaiting(ROOM, guest(1));
    await state.removeMember(ROOM, member(1).memberId);
    // A guest still waits: the room lives on.
    expect(await state.isLocked(ROOM)).toBe(true);
    expect(await state.nextSenderIndex(ROOM)).toBe(1);
    expect(await state.removeWaiting(ROOM, guest(1).memberId)).toEqual(guest(1));
    expect(await state.isLocked(ROOM)).toBe(false);
    expect(await state.nextSenderIndex(ROOM)).toBe(0);
    expect(await state.roomCount()).toBe(0);
  });

  it('adds, pauses, resumes and removes producers; an unknown producer changes nothing', async () => {
    const a = member(1);
    await state.addMember(ROOM, a);
    const mic = producer(1, a.memberId, 'microphone');
    const cam = producer(2, a.memberId, 'camera', true);
    await state.addProducer(ROOM, mic);
    await state.addProducer(ROOM, cam);
    expect(byProducer(await state.producers(ROOM))).toEqual([mic, cam]);
    expect(await state.setProducerPaused(ROOM, mic.producerId, true)).toEqual({ ...mic, paused: true });
    expect(await state.setProducerPaused(ROOM, cam.producerId, false)).toEqual({ ...cam, paused: false });
    expect(byProducer(await state.producers(ROOM))).toEqual([
      { ...mic, paused: true },
      { ...cam, paused: false },
    ]);
    expect(await state.removeProducer(ROOM, mic.producerId)).toEqual({ ...mic, paused: true });
    expect(await state.removeProducer(ROOM, mic.producerId)).toBeUndefined();
    expect(await state.setProducerPaused(ROOM, mic.producerId, false)).toBeUndefined();
    expect(await state.producers(ROOM)).toEqual([{ ...cam, paused: false }]);
    expect(await state.producers(OTHER)).toEqual([]);
  });

  it("changes an admitted member's role, and hasHost follows; not a member's who is not in", async () => {
    await state.addMember(ROOM, member(1, 'participant'));
    expect(await state.hasHost(ROOM)).toBe(false);
    expect(await state.setRole(ROOM, member(1).memberId, 'co-host')).toEqual(member(1, 'co-host'));
    expect(await state.hasHost(ROOM)).toBe(true);
    expect(await state.members(ROOM)).toEqual([member(1, 'co-host')]);
    expect(await state.setRole(ROOM, member(1).memberId, 'observer')).toEqual(member(1, 'observer'));
    expect(await state.hasHost(ROOM)).toBe(false);
    expect(await state.setRole(ROOM, member(2).memberId, 'host')).toBeUndefined();
    expect(await state.setRole(OTHER, member(1).memberId, 'host')).toBeUndefined();
    expect(await state.members(ROOM)).toEqual([member(1, 'observer')]);
    await state.addMember(OTHER, member(3, 'host'));
    expect(await state.hasHost(OTHER)).toBe(true);
    await state.removeMember(OTHER, member(3).memberId);
    expect(await state.hasHost(OTHER)).toBe(false);
  });

  it('lists waiting guests in order of arrival and takes one out, giving it back once', async () => {
    await state.addWaiting(ROOM, guest(2, false, 1_000));
    await state.addWaiting(ROOM, guest(1, true, 2_000));
    expect(await state.waiting(ROOM)).toEqual([guest(2, false, 1_000), guest(1, true, 2_000)]);
    expect(await state.waiting(OTHER)).toEqual([]);
    expect(await state.removeWaiting(ROOM, guest(1).memberId)).toEqual(guest(1, true, 2_000));
    expect(await state.removeWaiting(ROOM, guest(1).memberId)).toBeUndefined();
    expect(await state.waiting(ROOM)).toEqual([guest(2, false, 1_000)]);
    // Waiting is not being a member.
    expect(await state.hasMember(ROOM, guest(2).memberId)).toBe(false);
  });

  it('locks and unlocks a room, and no other', async () => {
    await state.addMember(ROOM, member(1));
    await state.setLocked(ROOM, true);
    expect(await state.isLocked(ROOM)).toBe(true);
    expect(await state.isLocked(OTHER)).toBe(false);
    await state.setLocked(ROOM, false);
    expect(await state.isLocked(ROOM)).toBe(false);
  });

  it('clears a room: gives back its members with their current roles, and forgets all of it', async () => {
    await state.addMember(ROOM, member(1, 'host'));
    await state.addMember(ROOM, member(2));
    await state.setRole(ROOM, member(2).memberId, 'co-host');
    await state.addProducer(ROOM, producer(1, member(1).memberId));
    await state.addWaiting(ROOM, guest(1));
    await state.setLocked(ROOM, true);
    await state.addMember(OTHER, member(3));
    expect(byId(await state.clearRoom(ROOM))).toEqual([member(1, 'host'), member(2, 'co-host')]);
    expect(await state.members(ROOM)).toEqual([]);
    expect(await state.producers(ROOM)).toEqual([]);
    expect(await state.waiting(ROOM)).toEqual([]);
    expect(await state.isLocked(ROOM)).toBe(false);
    expect(await state.nextSenderIndex(ROOM)).toBe(0);
    expect(await state.members(OTHER)).toEqual([member(3)]);
  });

  it('counts the rooms with a member or a waiting guest, and the members (guests not counted)', async () => {
    await state.addMember(ROOM, member(1));
    await state.addMember(ROOM, member(2));
    await state.addWaiting(ROOM, guest(1));
    await state.addWaiting(OTHER, guest(2));
    // A lock alone, or a sender index given to a join that failed, is no room.
    await state.setLocked('room-cccccccccccccccccccccc', true);
    await state.nextSenderIndex('room-dddddddddddddddddddddd');
    expect(await state.roomCount()).toBe(2);
    expect(await state.memberCount()).toBe(2);
    await state.removeWaiting(OTHER, guest(2).memberId);
    await state.removeMember(ROOM, member(1).memberId);
    expect(await state.roomCount()).toBe(1);
    expect(await state.memberCount()).toBe(1);
  });

  it('hands out copies: changing what it gave or was given changes nothing stored', async () => {
    const given = member(1);
    await state.addMember(ROOM, given);
    given.role = 'host';
    const [listed] = await state.members(ROOM);
    listed!.displayName = 'Changed';
    const mic = producer(1, given.memberId);
    await state.addProducer(ROOM, mic);
    mic.paused = true;
    (await state.producers(ROOM))[0]!.paused = true;
    expect(await state.members(ROOM)).toEqual([member(1)]);
    expect(await state.hasHost(ROOM)).toBe(false);
    expect(await state.producers(ROOM)).toEqual([producer(1, given.memberId)]);
  });
}

function byProducer<T extends { producerId: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.producerId < b.producerId ? -1 : 1));
}
