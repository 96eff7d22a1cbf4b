import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  okData,
  rawRequest,
  refusalOf,
  request,
  roomToken,
  sleep,
  startHarness,
  unknownMeetingId,
  type Harness,
  TEST_IDENTITY,
  joined,
} from './support/harness.ts';

/** A token names its room; nothing a client sends can name another one. */
describe('room access', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('puts a member in the room of its token only, and no request can name another room', async () => {
    const roomA = await h.createMeeting();
    const roomB = await h.createMeeting();
    const bea = await h.joinMember(roomB, 'Bea');
    const ada = await h.joinMember(roomA, 'Ada');
    expect(ada.join.members).toEqual([]);
    await sleep(100);
    expect(bea.events.get('memberJoined')).toBeUndefined();

    // A token for room A with a join naming room B: the payload is refused outright.
    const socket = await h.connect(await h.joinToken(roomA, 'Mallory'));
    for (const payload of [{ roomId: roomB }, { room: roomB }, { meetingId: roomB }]) {
      expect(refusalOf(await rawRequest(socket, 'join', [payload]))).toBe('invalid-payload');
    }
    const mallory = joined(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
    expect(mallory.members.map((m) => m.memberId)).toEqual([ada.join.self.memberId]);
    await sleep(100);
    expect(bea.events.get('memberJoined')).toBeUndefined();
    expect(ada.events.get('memberJoined')).toHaveLength(1);
  });

  it('refuses a join with room-not-found for a validly signed token of a meeting that does not exist, without making a router', async () => {
    const before = {
      members: await h.memberCount(),
      rooms: h.sfu.registry.size,
      routers: h.media.routers.size,
    };
    const socket = await h.connect(roomToken(h.roomTokens, { room: unknownMeetingId() }));
    expect(refusalOf(await request(socket, 'join', { identity: TEST_IDENTITY }))).toBe('room-not-found');
    expect(await h.memberCount()).toBe(before.members);
    expect(h.sfu.registry.size).toBe(before.rooms);
    expect(h.media.routers.size).toBe(before.routers);
    // Still not joined: every other request is refused, and join can be retried (and fails the same way).
    expect(refusalOf(await request(socket, 'createTransport', { direction: 'send' }))).toBe('not-joined');
    expect(refusalOf(await request(socket, 'join', { identity: TEST_IDENTITY }))).toBe('room-not-found');
    expect(socket.connected).toBe(true);
  });

  it('answers join-tokens for an unknown meeting exactly like for a malformed id', async () => {
    const post = (id: string, body: unknown = { displayName: 'Eve' }) =>
      fetch(`${h.baseUrl}/api/meetings/${id}/join-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const answers = [];
    for (const id of [unknownMeetingId(), 'abc', '..%2F..%2Fetc', 'A'.repeat(65), '__proto__']) {
      const res = await post(id);
      answers.push({ status: res.status, body: await res.text(), type: res.headers.get('content-type') });
    }
    // An unknown meeting with a bad body too: the meeting check comes first, so nothing tells them apart.
    const res = await post(unknownMeetingId(), { displayName: '' });
    answers.push({ status: res.status, body: await res.text(), type: res.headers.get('content-type') });
    expect(answers[0]).toEqual({
      status: 404,
      body: JSON.stringify({ reason: 'room-not-found', message: 'room not found' }),
      type: 'application/json; charset=utf-8',
    });
    for (const answer of answers) {
      expect(answer).toEqual(answers[0]);
    }
  });
});
