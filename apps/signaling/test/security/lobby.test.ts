import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinedSchema, roomEvents, type LobbyEntry } from '@confidentiel/protocol';
import {
  dtlsParameters,
  nextEvent,
  rawRequest,
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  startHarness,
  TEST_IDENTITY,
  unknownMediaId,
  waitFor,
  type Harness,
} from '../support/harness.ts';
import {
  arrive,
  CIPHERTEXT,
  disconnected,
  ENVELOPE,
  expectNoEvents,
  organiserMeeting,
  seen,
  type Person,
  settledMemberCount,
} from './support.ts';

/** Events a member of the room gets and someone in the lobby must not. */
const ROOM_ONLY_EVENTS = [
  'memberJoined',
  'memberLeft',
  'producerAdded',
  'producerClosed',
  'producerPaused',
  'keyEnvelope',
  'chatMessage',
  'memberUpdated',
  'lobbyChanged',
];

/** Checklist 17: nobody enters before admission, including before the host arrives. */
describe('lobby', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  function lobbyOf(payload: unknown): LobbyEntry[] {
    return roomEvents.lobbyChanged.parse(payload).waiting;
  }

  /** The last lobby a host was told about. */
  function lastLobby(host: Person): LobbyEntry[] {
    const all = seen(host, 'lobbyChanged');
    return all.length === 0 ? [] : lobbyOf(all[all.length - 1]);
  }

  function close(...people: Person[]): void {
    for (const person of people) {
      person.socket.close();
    }
  }

  it('keeps a guest of a meeting without early entry waiting (no-host) and out of the member count', async () => {
    const room = await organiserMeeting(h);
    const before = await settledMemberCount(h);
    const routersBefore = h.media.routers.size;
    const guest = await arrive(h, { room, name: 'Early' });
    expect(guest.answer).toEqual({ status: 'waiting', reason: 'no-host' });
    expect(await h.memberCount()).toBe(before);
    // Waiting makes nothing on the media server either.
    expect(h.media.routers.size).toBe(routersBefore);
    close(guest);
  });

  it('refuses media, key relay and chat to a waiting guest with not-admitted, touching nothing on the SFU', async () => {
    const room = await organiserMeeting(h);
    const guest = await arrive(h, { room, name: 'Early' });
    const transportsBefore = h.media.transports.size;
    const producersBefore = h.media.producers.size;
    const attempts: [string, unknown][] = [
      ['createTransport', { direction: 'send' }],
      ['connectTransport', { transportId: unknownMediaId(), dtlsParameters }],
      [
        'produce',
        {
          transportId: unknownMediaId(),
          kind: 'audio',
          rtpParameters: opusRtpParameters(),
          source: 'microphone',
        },
      ],
      ['consume', { producerId: unknownMediaId(), rtpCapabilities: { codecs: [], headerExtensions: [] } }],
      ['relayKey', { to: guest.memberId.replace(/^./, 'x'), envelope: ENVELOPE }],
      ['sendChat', { ciphertext: CIPHERTEXT }],
      ['admit', { memberIds: [guest.memberId] }],
      ['setRoomLocked', { locked: true }],
    ];
    for (const [name, payload] of attempts) {
      expect(refusalOf(await rawRequest(guest.socket, name, [payload])), name).toBe('not-admitted');
    }
    expect(h.media.transports.size).toBe(transportsBefore);
    expect(h.media.producers.size).toBe(producersBefore);
    // Asking again does not skip the queue.
    expect(refusalOf(await request(guest.socket, 'join', { identity: TEST_IDENTITY }))).toBe(
      'already-joined',
    );
    close(guest);
  });

  it('lets the no-host guests in when a host joins: admitted with a full joined payload, and the host sees them', async () => {
    const room = await organiserMeeting(h);
    const before = await settledMemberCount(h);
    const guest = await arrive(h, { room, name: 'Early' });
    expect(guest.answer.status).toBe('waiting');
    const admitted = nextEvent(guest.socket, 'admitted');
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    expect(host.answer.status).toBe('joined');

    const payload = joinedSchema.parse(await admitted);
    expect(payload.self.memberId).toBe(guest.memberId);
    expect(payload.self.role).toBe('participant');
    expect(payload.members.map((m) => m.memberId)).toEqual([host.memberId]);
    expect(payload.routerRtpCapabilities.codecs?.length).toBeGreaterThan(0);
    await waitFor('the host to see the guest join', () =>
      seen(host, 'memberJoined').some(
        (e) => roomEvents.memberJoined.parse(e).member.memberId === guest.memberId,
      ),
    );
    expect(await h.memberCount()).toBe(before + 2);
    // The guest is in the room now: a key can reach them, and they may open a transport.
    okData(await request(host.socket, 'relayKey', { to: guest.memberId, envelope: ENVELOPE }));
    okData(await request(guest.socket, 'createTransport', { direction: 'recv' }));
    // The host was already in the member list of `admitted`: no memberJoined for it reached the lobby.
    expect(seen(guest, 'memberJoined')).toEqual([]);
    close(guest, host);
  });

  it('also lets the no-host guests in when a co-host arrives', async () => {
    const room = await organiserMeeting(h);
    const guest = await arrive(h, { room, name: 'Early' });
    const admitted = nextEvent(guest.socket, 'admitted');
    const coHost = await arrive(h, { room, name: 'Associate', role: 'co-host' });
    expect(coHost.answer.status).toBe('joined');
    expect(joinedSchema.parse(await admitted).self.memberId).toBe(guest.memberId);
    close(guest, coHost);
  });

  it('sends a waiting guest no room event while the room lives, and nobody can relay a key to them', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const member = await arrive(h, { room, name: 'Member' });
    expect(member.answer.status).toBe('joined');
    const guest = await arrive(h, { room, name: 'Stranger', lobby: true });
    expect(guest.answer).toEqual({ status: 'waiting', reason: 'admission' });
    // One roomUpdated on entering the lobby (it lets Socket.IO recover the guest's connection); only later ones count.
    await waitFor('the guest to get its first event', () => seen(guest, 'roomUpdated').length === 1);
    guest.events.delete('roomUpdated');

    // The room carries on: a newcomer, media, chat, a role change, a departure.
    const late = await arrive(h, { room, name: 'Late' });
    const transportId = okData(await request(member.socket, 'createTransport', { direction: 'send' })).id;
    const producerId = okData(
      await request(member.socket, 'produce', {
        transportId,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    ).producerId;
    okData(await request(member.socket, 'setProducerPaused', { producerId, paused: true }));
    okData(await request(member.socket, 'sendChat', { ciphertext: CIPHERTEXT }));
    okData(await request(host.socket, 'setMemberRole', { memberId: late.memberId, role: 'observer' }));
    okData(await request(late.socket, 'leave', {}));
    for (const sender of [host, member]) {
      expect(
        refusalOf(await request(sender.socket, 'relayKey', { to: guest.memberId, envelope: ENVELOPE })),
      ).toBe('not-found');
    }
    // Positive control: the same events did reach the other member.
    await waitFor('the host to see the chat message', () => seen(host, 'chatMessage').length === 1);
    expect(seen(host, 'producerAdded')).toHaveLength(1);
    await expectNoEvents([guest], [...ROOM_ONLY_EVENTS, 'admitted', 'roomUpdated']);
    close(host, member, late, guest);
  });

  it('keeps a lobby guest waiting (admission) while a host is there, and lists them to hosts only', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const member = await arrive(h, { room, name: 'Member' });
    const guest = await arrive(h, { room, name: 'Client', lobby: true });
    expect(guest.answer).toEqual({ status: 'waiting', reason: 'admission' });

    await waitFor('the host to see the guest in the lobby', () =>
      lastLobby(host).some((w) => w.memberId === guest.memberId),
    );
    expect(lastLobby(host)).toEqual([
      {
        memberId: guest.memberId,
        displayName: 'Client',
        waitingSince: expect.any(Number) as number,
        needsAdmission: true,
        identity: TEST_IDENTITY,
      },
    ]);
    await expectNoEvents([member], ['lobbyChanged']);
    await expectNoEvents([guest], ['admitted']);
    close(host, member, guest);
  });

  it('admits a lobby guest when a host says so', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const guest = await arrive(h, { room, name: 'Client', lobby: true });
    const before = await settledMemberCount(h);
    const admitted = nextEvent(guest.socket, 'admitted');

    expect(okData(await request(host.socket, 'admit', { memberIds: [guest.memberId] }))).toEqual({
      admitted: [guest.memberId],
    });
    const payload = joinedSchema.parse(await admitted);
    expect(payload.self.memberId).toBe(guest.memberId);
    expect(payload.members.map((m) => m.memberId)).toEqual([host.memberId]);
    expect(await h.memberCount()).toBe(before + 1);
    await waitFor('the lobby to be empty again', () => lastLobby(host).length === 0);
    // Admitting someone who no longer waits is refused.
    expect(refusalOf(await request(host.socket, 'admit', { memberIds: [guest.memberId] }))).toBe('not-found');
    close(host, guest);
  });

  it('refuses entry: the guest gets roomClosed admission-refused and their token is then refused on join (removed)', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const guest = await arrive(h, { room, name: 'Unwanted', lobby: true });
    const before = await settledMemberCount(h);
    const closed = nextEvent(guest.socket, 'roomClosed');

    okData(await request(host.socket, 'refuseEntry', { memberId: guest.memberId }));
    expect(await closed).toEqual({ reason: 'admission-refused' });
    expect(await disconnected(guest.socket)).toBe(true);
    await waitFor('the lobby to be empty again', () => lastLobby(host).length === 0);

    const again = await h.connect(guest.token.token);
    expect(refusalOf(await request(again, 'join', { identity: TEST_IDENTITY }))).toBe('removed');
    expect(await h.memberCount()).toBe(before);
    expect(lastLobby(host)).toEqual([]);
    close(host);
    again.close();
  });

  it('admits everyone waiting with admitAll', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const guests = [
      await arrive(h, { room, name: 'One', lobby: true }),
      await arrive(h, { room, name: 'Two', lobby: true }),
      await arrive(h, { room, name: 'Three', lobby: true }),
    ];
    await waitFor('the host to see three waiting', () => lastLobby(host).length === 3);
    const before = await settledMemberCount(h);
    const admittedEvents = guests.map((g) => nextEvent(g.socket, 'admitted'));

    const { admitted } = okData(await request(host.socket, 'admitAll', {}));
    expect([...admitted].sort()).toEqual(guests.map((g) => g.memberId).sort());
    for (const event of await Promise.all(admittedEvents)) {
      expect(joinedSchema.safeParse(event).success).toBe(true);
    }
    expect(await h.memberCount()).toBe(before + 3);
    await waitFor('the lobby to be empty again', () => lastLobby(host).length === 0);
    close(host, ...guests);
  });

  it('sends newcomers of a locked room to the lobby (locked), but lets a host token in', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const member = await arrive(h, { room, name: 'Member' });
    const updated = nextEvent(member.socket, 'roomUpdated');
    okData(await request(host.socket, 'setRoomLocked', { locked: true }));
    // The whole room info: the browser replaces its own with it (the title names the procès-verbal).
    expect(await updated).toEqual({ locked: true, title: 'Consultation', startsAt: expect.any(Number) });
    expect(member.answer).toMatchObject({ status: 'joined', room: { locked: false, title: 'Consultation' } });

    const newcomer = await arrive(h, { room, name: 'Newcomer' });
    expect(newcomer.answer).toEqual({ status: 'waiting', reason: 'locked' });
    await waitFor('the host to see the newcomer needing admission', () =>
      lastLobby(host).some((w) => w.memberId === newcomer.memberId && w.needsAdmission),
    );
    const secondHost = await arrive(h, { room, name: 'Second host', role: 'host' });
    expect(secondHost.answer.status).toBe('joined');
    expect(joinedSchema.parse(secondHost.answer).room).toEqual({
      locked: true,
      title: 'Consultation',
      startsAt: expect.any(Number),
    });
    // Another host's arrival does not open a locked room.
    await expectNoEvents([newcomer], ['admitted']);
    close(host, member, newcomer, secondHost);
  });

  it('refuses admit, admitAll, refuseEntry and setRoomLocked from a participant with forbidden, changing nothing', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const member = await arrive(h, { room, name: 'Member' });
    const guest = await arrive(h, { room, name: 'Client', lobby: true });
    await waitFor('the host to see the guest waiting', () => lastLobby(host).length === 1);
    // Each member got one roomUpdated on entering (it lets Socket.IO recover them); only later ones count.
    host.events.delete('roomUpdated');
    member.events.delete('roomUpdated');

    for (const [name, payload] of [
      ['admit', { memberIds: [guest.memberId] }],
      ['admitAll', {}],
      ['refuseEntry', { memberId: guest.memberId }],
      ['setRoomLocked', { locked: true }],
    ] as const) {
      const ack = await rawRequest(member.socket, name, [payload]);
      expect(refusalOf(ack), name).toBe('forbidden');
      expect((ack as { error: { message: string } }).error.message.length, name).toBeGreaterThan(0);
    }
    await expectNoEvents([guest], ['admitted', 'roomClosed']);
    await expectNoEvents([host, member], ['roomUpdated']);
    expect(guest.socket.connected).toBe(true);
    expect(lastLobby(host).map((w) => w.memberId)).toEqual([guest.memberId]);
    // The room is not locked: the next participant walks in.
    const next = await arrive(h, { room, name: 'Next' });
    expect(next.answer.status).toBe('joined');
    close(host, member, guest, next);
  });

  it('keeps a co-host whose token says lobby waiting for a host to admit them (level 3 co-host invite)', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const coHost = await arrive(h, { room, name: 'Associate', role: 'co-host', lobby: true });
    expect(coHost.answer).toEqual({ status: 'waiting', reason: 'admission' });
    close(host, coHost);
  });
});
