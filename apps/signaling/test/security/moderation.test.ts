import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomEvents } from '@confidentiel/protocol';
import {
  nextEvent,
  okData,
  opusRtpParameters,
  rawRequest,
  refusalOf,
  request,
  startHarness,
  TEST_IDENTITY,
  waitFor,
  type Harness,
} from '../support/harness.ts';
import {
  arrive,
  disconnected,
  ENVELOPE,
  expectNoEvents,
  organiserMeeting,
  publish,
  seen,
  type Person,
  settledMemberCount,
} from './support.ts';

function close(...people: Person[]): void {
  for (const person of people) {
    person.socket.close();
  }
}

/** A room with a host, a co-host and two participants, everyone in. */
async function room(
  h: Harness,
): Promise<{ room: string; host: Person; coHost: Person; ada: Person; bob: Person }> {
  const id = await organiserMeeting(h, true);
  const host = await arrive(h, { room: id, name: 'Host', role: 'host' });
  const coHost = await arrive(h, { room: id, name: 'Associate', role: 'co-host' });
  const ada = await arrive(h, { room: id, name: 'Ada' });
  const bob = await arrive(h, { room: id, name: 'Bob' });
  for (const person of [host, coHost, ada, bob]) {
    expect(person.answer.status).toBe('joined');
  }
  return { room: id, host, coHost, ada, bob };
}

function refusal(ack: unknown): { reason: string; message: string } | undefined {
  return refusalOf(ack) === undefined
    ? undefined
    : (ack as { error: { reason: string; message: string } }).error;
}

/** Checklist 14: every moderator action is authorised on the server, from the actor's role and the target's. */
describe('who may moderate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('refuses mute, stop video, remove, role changes and ending from a participant with forbidden and a reason', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(bob.socket, { camera: true });
    const before = await settledMemberCount(h);
    for (const [name, payload] of [
      ['muteMember', { memberId: bob.memberId }],
      ['stopMemberVideo', { memberId: bob.memberId, source: 'camera' }],
      ['removeMember', { memberId: bob.memberId }],
      ['setMemberRole', { memberId: bob.memberId, role: 'observer' }],
      ['setMemberRole', { memberId: ada.memberId, role: 'co-host' }],
      ['setMemberRole', { memberId: host.memberId, role: 'participant' }],
      ['endMeeting', {}],
    ] as const) {
      const error = refusal(await rawRequest(ada.socket, name, [payload]));
      expect(error?.reason, name).toBe('forbidden');
      expect(error?.message, name).toMatch(/host/);
    }
    // Bob's media is as it was on the SFU, nobody left, nobody changed role.
    expect(h.media.producers.get(media.microphone)?.paused).toBe(false);
    expect(h.media.producers.get(media.camera!)?.closed).toBe(false);
    expect(await h.memberCount()).toBe(before);
    await expectNoEvents(
      [host, coHost, ada, bob],
      ['moderated', 'memberUpdated', 'memberLeft', 'roomClosed'],
    );
    expect(bob.socket.connected && host.socket.connected).toBe(true);
    close(host, coHost, ada, bob);
  });

  it('refuses a co-host removing, muting, demoting the host or ending the meeting with forbidden', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(host.socket);
    for (const [name, payload] of [
      ['removeMember', { memberId: host.memberId }],
      ['muteMember', { memberId: host.memberId }],
      ['setMemberRole', { memberId: host.memberId, role: 'participant' }],
      ['endMeeting', {}],
    ] as const) {
      const error = refusal(await rawRequest(coHost.socket, name, [payload]));
      expect(error?.reason, name).toBe('forbidden');
      expect(error?.message.length, name).toBeGreaterThan(0);
    }
    expect(h.media.producers.get(media.microphone)?.paused).toBe(false);
    await expectNoEvents([host, ada, bob], ['moderated', 'memberUpdated', 'memberLeft', 'roomClosed']);
    expect(host.socket.connected).toBe(true);
    close(host, coHost, ada, bob);
  });

  it('refuses a co-host making someone co-host or acting on another co-host', async () => {
    const { host, coHost, ada, bob } = await room(h);
    expect(
      refusalOf(await request(coHost.socket, 'setMemberRole', { memberId: ada.memberId, role: 'co-host' })),
    ).toBe('forbidden');
    okData(await request(host.socket, 'setMemberRole', { memberId: ada.memberId, role: 'co-host' }));
    expect(refusalOf(await request(coHost.socket, 'removeMember', { memberId: ada.memberId }))).toBe(
      'forbidden',
    );
    expect(ada.socket.connected).toBe(true);
    // A co-host may still act on a participant (the positive control of the ranks).
    okData(await request(coHost.socket, 'muteMember', { memberId: bob.memberId }));
    close(host, coHost, ada, bob);
  });

  it('refuses actions on a member who is not in the room with not-found', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const elsewhere = await arrive(h, { room: await organiserMeeting(h, true), name: 'Elsewhere' });
    for (const memberId of [elsewhere.memberId, 'nobody-here-at-all']) {
      expect(refusalOf(await request(host.socket, 'removeMember', { memberId })), memberId).toBe('not-found');
      expect(refusalOf(await request(host.socket, 'muteMember', { memberId })), memberId).toBe('not-found');
    }
    expect(elsewhere.socket.connected).toBe(true);
    await expectNoEvents([elsewhere], ['roomClosed', 'moderated']);
    close(host, coHost, ada, bob, elsewhere);
  });
});

/** What an authorised moderator's action does to the room, the media server and the target's tokens. */
describe('what moderation does', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('mutes a participant: their microphone pauses on the SFU, the room gets producerPaused, they get moderated', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(bob.socket, { camera: true });
    const paused = nextEvent(ada.socket, 'producerPaused');
    const moderated = nextEvent(bob.socket, 'moderated');

    okData(await request(host.socket, 'muteMember', { memberId: bob.memberId }));
    expect(await paused).toEqual({ producerId: media.microphone, memberId: bob.memberId, paused: true });
    expect(await moderated).toEqual({ action: 'muted', by: host.memberId });
    expect(h.media.producers.get(media.microphone)?.paused).toBe(true);
    // Only the microphone: the camera keeps flowing.
    expect(h.media.producers.get(media.camera!)?.paused).toBe(false);
    // They may unmute themselves.
    okData(await request(bob.socket, 'setProducerPaused', { producerId: media.microphone, paused: false }));
    expect(h.media.producers.get(media.microphone)?.paused).toBe(false);
    await expectNoEvents([ada, coHost], ['moderated']);
    close(host, coHost, ada, bob);
  });

  it('stops a participant camera: the producer closes on the SFU and the room is told', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(bob.socket, { camera: true });
    const closed = nextEvent(ada.socket, 'producerClosed');
    const moderated = nextEvent(bob.socket, 'moderated');

    okData(await request(coHost.socket, 'stopMemberVideo', { memberId: bob.memberId, source: 'camera' }));
    expect(await closed).toEqual({ producerId: media.camera, memberId: bob.memberId });
    expect(await moderated).toEqual({ action: 'camera-stopped', by: coHost.memberId });
    expect(h.media.producers.get(media.camera!)?.closed).toBe(true);
    expect(h.media.producers.get(media.microphone)?.closed).toBe(false);
    close(host, coHost, ada, bob);
  });

  it('makes a member observer: their producers close on the SFU and a later produce is refused forbidden', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(bob.socket, { camera: true });
    const updated = nextEvent(ada.socket, 'memberUpdated');

    okData(await request(host.socket, 'setMemberRole', { memberId: bob.memberId, role: 'observer' }));
    const { member } = roomEvents.memberUpdated.parse(await updated);
    expect(member).toMatchObject({ memberId: bob.memberId, role: 'observer' });
    await waitFor('both producers to close on the SFU', () =>
      [media.microphone, media.camera!].every((id) => h.media.producers.get(id)?.closed === true),
    );
    const producersBefore = h.media.producers.size;
    const ack = await request(bob.socket, 'produce', {
      transportId: media.transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(424242),
      source: 'microphone',
    });
    expect(refusalOf(ack)).toBe('forbidden');
    expect(h.media.producers.size).toBe(producersBefore);
    close(host, coHost, ada, bob);
  });

  it('promotes a participant to co-host, who then sees the lobby and may admit', async () => {
    const { room: id, host, coHost, ada, bob } = await room(h);
    const guest = await arrive(h, { room: id, name: 'Client', lobby: true });
    expect(guest.answer.status).toBe('waiting');
    expect(refusalOf(await request(ada.socket, 'admit', { memberIds: [guest.memberId] }))).toBe('forbidden');
    const lobby = nextEvent(ada.socket, 'lobbyChanged');

    okData(await request(host.socket, 'setMemberRole', { memberId: ada.memberId, role: 'co-host' }));
    expect(roomEvents.lobbyChanged.parse(await lobby).waiting.map((w) => w.memberId)).toEqual([
      guest.memberId,
    ]);
    const admitted = nextEvent(guest.socket, 'admitted');
    expect(okData(await request(ada.socket, 'admit', { memberIds: [guest.memberId] }))).toEqual({
      admitted: [guest.memberId],
    });
    await admitted;
    close(host, coHost, ada, bob, guest);
  });

  it('ends the meeting: everyone, the lobby included, gets roomClosed ended and the room empties', async () => {
    const before = await settledMemberCount(h);
    const known = new Set(h.media.routers.keys());
    const { room: id, host, coHost, ada, bob } = await room(h);
    const guest = await arrive(h, { room: id, name: 'Client', lobby: true });
    await publish(ada.socket);
    const routers = [...h.media.routers.values()].filter((r) => !known.has(r.id));
    expect(routers).toHaveLength(1);
    const everyone = [host, coHost, ada, bob, guest];
    const closedEvents = everyone.map((p) => nextEvent(p.socket, 'roomClosed'));

    okData(await request(host.socket, 'endMeeting', {}));
    for (const event of await Promise.all(closedEvents)) {
      expect(event).toEqual({ reason: 'ended' });
    }
    for (const person of everyone) {
      expect(await disconnected(person.socket), person.memberId).toBe(true);
    }
    await waitFor('the member count to drop back', async () => (await h.memberCount()) === before);
    // The room's router is gone from the media server.
    await waitFor('the router to close', () => routers[0]!.closed);
  });

  it('removes a member: roomClosed removed to them, memberLeft to the others, media released, key relay to them not-found', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const media = await publish(bob.socket);
    const before = await settledMemberCount(h);
    const closed = nextEvent(bob.socket, 'roomClosed');
    const left = nextEvent(ada.socket, 'memberLeft');

    okData(await request(host.socket, 'removeMember', { memberId: bob.memberId }));
    expect(await closed).toEqual({ reason: 'removed' });
    expect(await left).toEqual({ memberId: bob.memberId });
    expect(await disconnected(bob.socket)).toBe(true);
    expect(await h.memberCount()).toBe(before - 1);
    await waitFor(
      'the removed member producer to close on the SFU',
      () => h.media.producers.get(media.microphone)?.closed === true,
    );
    expect(refusalOf(await request(ada.socket, 'relayKey', { to: bob.memberId, envelope: ENVELOPE }))).toBe(
      'not-found',
    );
    expect(seen(ada, 'memberLeft')).toHaveLength(1);
    close(host, coHost, ada);
  });

  it('refuses a removed member old token on join with removed (the connection itself is accepted)', async () => {
    const { host, coHost, ada, bob } = await room(h);
    okData(await request(host.socket, 'removeMember', { memberId: bob.memberId }));
    expect(await disconnected(bob.socket)).toBe(true);
    const before = await settledMemberCount(h);
    for (const person of [host, coHost, ada]) {
      person.events.clear();
    }

    // The handshake only checks the signature; the revocation is checked at join.
    const again = await h.connect(bob.token.token);
    expect(refusalOf(await request(again, 'join', { identity: TEST_IDENTITY }))).toBe('removed');
    expect(await h.memberCount()).toBe(before);
    await expectNoEvents([host, coHost, ada], ['memberJoined']);
    again.close();
    close(host, coHost, ada);
  });

  it('refuses a token the removed member refreshed before removal, and refuses refreshing it', async () => {
    const { host, coHost, ada, bob } = await room(h);
    const refreshed = okData(await request(bob.socket, 'refreshToken', {}));
    okData(await request(host.socket, 'removeMember', { memberId: bob.memberId }));
    expect(await disconnected(bob.socket)).toBe(true);
    const before = await settledMemberCount(h);

    const again = await h.connect(refreshed.token);
    expect(refusalOf(await request(again, 'join', { identity: TEST_IDENTITY }))).toBe('removed');
    expect(refusalOf(await request(again, 'refreshToken', {}))).toBe('not-joined');
    expect(await h.memberCount()).toBe(before);
    again.close();
    close(host, coHost, ada);
  });
});
