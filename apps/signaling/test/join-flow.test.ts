import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberInfo } from '@confidentiel/protocol';
import {
  dtlsParameters,
  nextEvent,
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  sleep,
  startHarness,
  unknownMediaId,
  waitFor,
  type Harness,
  TEST_IDENTITY,
  joined,
} from './support/harness.ts';

describe('join flow over a real SFU', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('tells the first member when a second one joins, and lists the first to the second', async () => {
    const meetingId = await h.createMeeting();
    const before = await h.memberCount();
    const ada = await h.joinMember(meetingId, 'Ada');
    expect(ada.join.members).toEqual([]);
    expect(ada.join.self.displayName).toBe('Ada');

    const joined = nextEvent<{ member: MemberInfo }>(ada.socket, 'memberJoined');
    const bob = await h.joinMember(meetingId, 'Bob');
    const { member } = await joined;
    expect(member.memberId).toBe(bob.join.self.memberId);
    expect(member.displayName).toBe('Bob');
    expect(bob.join.members.map((m) => m.memberId)).toEqual([ada.join.self.memberId]);
    // The joiner does not hear about itself.
    expect(bob.events.get('memberJoined')).toBeUndefined();
    expect(await h.memberCount()).toBe(before + 2);

    const left = nextEvent<{ memberId: string }>(ada.socket, 'memberLeft');
    okData(await request(bob.socket, 'leave', {}));
    expect((await left).memberId).toBe(bob.join.self.memberId);
    expect(await h.memberCount()).toBe(before + 1);
    // Leaving does not drop the connection; a left socket is simply not joined.
    expect(bob.socket.connected).toBe(true);
    expect(refusalOf(await request(bob.socket, 'createTransport', { direction: 'send' }))).toBe('not-joined');
  });

  it('offers Opus and VP8 and never H.264', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId);
    const mimeTypes = (ada.join.routerRtpCapabilities.codecs ?? []).map((c) => c.mimeType.toLowerCase());
    expect(mimeTypes).toContain('audio/opus');
    expect(mimeTypes).toContain('video/vp8');
    expect(mimeTypes.filter((m) => m.includes('h264') || m.includes('h265'))).toEqual([]);
  });

  it('creates send and receive transports whose ICE candidates are loopback on the configured port only', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId);
    for (const direction of ['send', 'recv'] as const) {
      const transport = okData(await request(ada.socket, 'createTransport', { direction }));
      expect(transport.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(transport.iceCandidates.length).toBeGreaterThan(0);
      for (const candidate of transport.iceCandidates) {
        expect(candidate.address).toBe('127.0.0.1');
        // One worker: its WebRtcServer owns exactly SFU_RTC_PORT (UDP and TCP).
        expect(candidate.port).toBe(h.rtcPort);
        expect(candidate.type).toBe('host');
      }
      expect(h.media.transports.has(transport.id)).toBe(true);
    }
  });

  it("lets a member consume another member's producer but not its own, and not a nonexistent one", async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');

    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    okData(await request(ada.socket, 'createTransport', { direction: 'recv' }));
    okData(await request(ada.socket, 'connectTransport', { transportId: send.id, dtlsParameters }));
    const added = nextEvent<{ producer: { producerId: string; memberId: string } }>(
      bob.socket,
      'producerAdded',
    );
    const { producerId } = okData(
      await request(ada.socket, 'produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    );
    expect((await added).producer).toMatchObject({ producerId, memberId: ada.join.self.memberId });

    const caps = ada.join.routerRtpCapabilities;
    const own = await request(ada.socket, 'consume', { producerId, rtpCapabilities: caps });
    expect(refusalOf(own)).toBe('forbidden');
    const missing = await request(ada.socket, 'consume', {
      producerId: unknownMediaId(),
      rtpCapabilities: caps,
    });
    expect(refusalOf(missing)).toBe('not-found');
    expect([...h.media.consumers.values()].filter((c) => c.producerId === producerId)).toEqual([]);

    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    const consumer = okData(await request(bob.socket, 'consume', { producerId, rtpCapabilities: caps }));
    expect(consumer.producerId).toBe(producerId);
    expect(consumer.kind).toBe('audio');
    expect(h.media.consumers.get(consumer.id)?.paused).toBe(true);
    okData(await request(bob.socket, 'resumeConsumer', { consumerId: consumer.id }));
    expect(h.media.consumers.get(consumer.id)?.paused).toBe(false);

    // A third member learns about the producer in its join answer.
    const cleo = await h.joinMember(meetingId, 'Cleo');
    expect(cleo.join.producers.map((p) => p.producerId)).toEqual([producerId]);
  });

  it('tells the others exactly once when a producer closes, and closes their consumers of it', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    const { producerId } = okData(
      await request(ada.socket, 'produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    );
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    const consumer = okData(
      await request(bob.socket, 'consume', { producerId, rtpCapabilities: bob.join.routerRtpCapabilities }),
    );
    const consumerClosed = nextEvent(bob.socket, 'consumerClosed');
    okData(await request(ada.socket, 'closeProducer', { producerId }));
    expect(await consumerClosed).toEqual({ consumerId: consumer.id, producerId });
    await waitFor('the SFU consumer to close', () => h.media.consumers.get(consumer.id)?.closed);
    await sleep(100);
    expect(bob.events.get('producerClosed')).toEqual([{ producerId, memberId: ada.join.self.memberId }]);
    expect(bob.events.get('consumerClosed')).toHaveLength(1);
    expect(ada.events.get('producerClosed')).toBeUndefined();
    expect(refusalOf(await request(ada.socket, 'closeProducer', { producerId }))).toBe('not-found');
  });

  it('refuses to produce on a receive transport, or a kind the source cannot carry', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    const recv = okData(await request(ada.socket, 'createTransport', { direction: 'recv' }));
    const audio = { kind: 'audio' as const, rtpParameters: opusRtpParameters() };
    expect(
      refusalOf(
        await request(ada.socket, 'produce', { ...audio, transportId: recv.id, source: 'microphone' }),
      ),
    ).toBe('forbidden');
    expect(
      refusalOf(await request(ada.socket, 'produce', { ...audio, transportId: send.id, source: 'camera' })),
    ).toBe('forbidden');
    expect(
      [...h.media.producers.values()].filter(
        (p) => !p.closed && p.appData.memberId === ada.join.self.memberId,
      ),
    ).toEqual([]);
    await sleep(50);
    expect(bob.events.get('producerAdded')).toBeUndefined();
  });

  it('replaces the old connection of a member that connects again (a reload) and counts it once', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const before = await h.memberCount();
    const dropped = nextEvent<string>(bob.socket, 'disconnect');
    const left = nextEvent<{ memberId: string }>(ada.socket, 'memberLeft');
    const reloaded = await h.connect(bob.token);
    expect(await dropped).toBe('io server disconnect');
    expect((await left).memberId).toBe(bob.join.self.memberId);
    const back = nextEvent<{ member: MemberInfo }>(ada.socket, 'memberJoined');
    const rejoin = joined(okData(await request(reloaded, 'join', { identity: TEST_IDENTITY })));
    expect(rejoin.self.memberId).toBe(bob.join.self.memberId);
    expect((await back).member.memberId).toBe(bob.join.self.memberId);
    expect(await h.memberCount()).toBe(before);
    // The reloaded member has working media.
    const transport = okData(await request(reloaded, 'createTransport', { direction: 'send' }));
    await sleep(100);
    expect(h.media.transports.get(transport.id)?.closed).toBe(false);
  });

  it('tells the room when a member disconnects, and closes its media on the SFU', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const transport = okData(await request(bob.socket, 'createTransport', { direction: 'send' }));
    const sfuTransport = h.media.transports.get(transport.id);
    expect(sfuTransport?.closed).toBe(false);
    const left = nextEvent<{ memberId: string }>(ada.socket, 'memberLeft');
    bob.socket.disconnect();
    expect((await left).memberId).toBe(bob.join.self.memberId);
    await waitFor('the SFU to close the transport of the member that left', () => sfuTransport?.closed);
  });
});
