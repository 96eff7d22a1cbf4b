import { describe, expect, it } from 'vitest';
import { MeetingClient, type MediaTransformHooks } from './MeetingClient.ts';
import {
  ALICE,
  FAKE_IDENTITY,
  FakeMediaDevices,
  FakeRoom,
  FakeTrack,
  createFakeDevice,
  member,
  producer,
  settle,
} from './testing/fakeRoom.ts';

function setup(configure?: (room: FakeRoom) => void, transform?: MediaTransformHooks) {
  const room = new FakeRoom();
  configure?.(room);
  const client = new MeetingClient({
    token: 'a-token',
    identity: FAKE_IDENTITY,
    socketFactory: room.socketFactory,
    createDevice: createFakeDevice,
    mediaDevices: new FakeMediaDevices(),
    ...(transform ? { transform } : {}),
  });
  return { room, client };
}

describe('MeetingClient for the E2EE layer', () => {
  it('tells who we are and who is there before replaying early events', async () => {
    const bob = member(2);
    const { client } = setup((r) => {
      r.eventsBeforeJoinAck = [
        ['memberJoined', { member: bob }],
        ['keyEnvelope', { from: bob.memberId, envelope: 'E'.repeat(40) }],
      ];
    });
    const seen: string[] = [];
    client.on('joined', ({ self, members }) =>
      seen.push(`joined ${self.memberId} with ${members.map((m) => m.memberId).join(',')}`),
    );
    client.on('memberJoined', (m) => seen.push(`memberJoined ${m.memberId}`));
    client.on('keyEnvelope', ({ from }) => seen.push(`keyEnvelope from ${from}`));
    await client.join();
    expect(seen).toEqual([
      `joined self-member-1 with ${ALICE.memberId}`,
      `memberJoined ${bob.memberId}`,
      `keyEnvelope from ${bob.memberId}`,
    ]);
    client.close();
  });

  it('reports a member leaving once, and only a known one', async () => {
    const { room, client } = setup();
    await client.join();
    const left: string[] = [];
    client.on('memberLeft', (id) => left.push(id));
    room.emit('memberLeft', { memberId: ALICE.memberId });
    room.emit('memberLeft', { memberId: ALICE.memberId });
    room.emit('memberLeft', { memberId: 'never-there' });
    expect(left).toEqual([ALICE.memberId]);
    client.close();
  });

  it('relays key envelopes and sealed chat, and passes sealed chat on', async () => {
    const { room, client } = setup();
    room.handle('sendChat', () => ({ sentAt: 1234 }));
    await client.join();
    const envelope = 'A'.repeat(64);
    await client.relayKey(ALICE.memberId, envelope);
    expect(await client.sendChat('C'.repeat(32))).toBe(1234);
    expect(room.requestsNamed('relayKey').map((r) => r.payload)).toEqual([{ to: ALICE.memberId, envelope }]);
    expect(room.requestsNamed('sendChat').map((r) => r.payload)).toEqual([{ ciphertext: 'C'.repeat(32) }]);

    const chats: unknown[] = [];
    client.on('chatMessage', (m) => chats.push(m));
    room.emit('chatMessage', { from: ALICE.memberId, ciphertext: 'D'.repeat(32), sentAt: 99 });
    expect(chats).toEqual([{ from: ALICE.memberId, ciphertext: 'D'.repeat(32), sentAt: 99 }]);
    client.close();
  });

  it('refuses to relay before joining', async () => {
    const { client } = setup();
    await expect(client.relayKey(ALICE.memberId, 'A'.repeat(64))).rejects.toMatchObject({
      reason: 'not-joined',
    });
    client.close();
  });

  it('sends the camera in VP8 and the microphone in Opus, explicitly', async () => {
    const { room, client } = setup();
    await client.join();
    await client.startMicrophone({ track: new FakeTrack('audio').asTrack() });
    await client.startCamera({ track: new FakeTrack('video').asTrack() });
    const codecs = room
      .requestsNamed('produce')
      .map(
        (r) => (r.payload['rtpParameters'] as { codecs: Array<{ mimeType: string }> }).codecs[0]?.mimeType,
      );
    expect(codecs.map((c) => c?.toLowerCase())).toEqual(['audio/opus', 'video/vp8']);
    client.close();
  });

  it('offers only codecs the E2EE layer protects when consuming', async () => {
    const { room, client } = setup((r) => {
      r.producers = [producer(ALICE.memberId, 'camera')];
    });
    await client.join();
    await settle();
    const [request] = room.requestsNamed('consume');
    const offered = (
      request?.payload['rtpCapabilities'] as { codecs: Array<{ mimeType: string }> }
    ).codecs.map((c) => c.mimeType.toLowerCase());
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((m) => ['audio/opus', 'video/vp8', 'video/vp9', 'video/rtx'].includes(m))).toBe(
      true,
    );
    client.close();
  });

  it('fails closed: a producer whose send transform was not attached is closed and refused', async () => {
    const attached: string[] = [];
    const { room, client } = setup(undefined, {
      // The fake mediasoup handler never calls onRtpSender: as a browser path that skipped it would.
      onRtpSender: (_sender, source) => attached.push(source),
    });
    await client.join();
    const track = new FakeTrack('video');
    await expect(client.startCamera({ track: track.asTrack() })).rejects.toMatchObject({
      reason: 'e2ee-unavailable',
    });
    expect(attached).toEqual([]);
    expect(track.readyState).toBe('ended');
    expect(client.state.local.camera.active).toBe(false);
    // The server is told the producer is gone.
    await settle();
    const [produced] = room.requestsNamed('produce');
    expect(produced).toBeDefined();
    expect(room.requestsNamed('closeProducer')).toHaveLength(1);
    client.close();
  });

  it('fails closed: a consumer whose receive transform was not attached is never played', async () => {
    const { client } = setup(
      (r) => {
        r.producers = [producer(ALICE.memberId, 'camera')];
      },
      { onRtpReceiver: () => undefined },
    );
    await client.join();
    await settle();
    expect(client.state.media[0]?.track).toBeNull();
    expect(await client.getStats()).toEqual([]);
    client.close();
  });
});
