import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@confidentiel/protocol';
import { MeetingClient } from './MeetingClient.ts';
import { MeetingError } from './MeetingError.ts';
import type { MeetingNotice } from './MeetingClient.ts';
import {
  FAKE_IDENTITY,
  ALICE,
  createFakeDevice,
  FakeMediaDevices,
  FakeRoom,
  FakeTrack,
  member,
  producer,
  SELF,
  settle,
} from './testing/fakeRoom.ts';

function setup(configure?: (room: FakeRoom) => void): {
  room: FakeRoom;
  client: MeetingClient;
  devices: FakeMediaDevices;
  notices: MeetingNotice[];
} {
  const room = new FakeRoom();
  configure?.(room);
  const devices = new FakeMediaDevices();
  const client = new MeetingClient({
    token: 'a-token',
    identity: FAKE_IDENTITY,
    socketFactory: room.socketFactory,
    createDevice: createFakeDevice,
    mediaDevices: devices,
  });
  const notices: MeetingNotice[] = [];
  client.on('notice', (notice) => notices.push(notice));
  return { room, client, devices, notices };
}

describe('MeetingClient', () => {
  it('sends the token and protocol version in the handshake', async () => {
    const { room, client } = setup();
    await client.join();
    expect(room.handshakes).toEqual([{ token: 'a-token', protocolVersion: PROTOCOL_VERSION }]);
    client.close();
  });

  it('joins, creates both transports, then consumes and resumes what others already send', async () => {
    const mic = producer(ALICE.memberId, 'microphone');
    const cam = producer(ALICE.memberId, 'camera');
    const { room, client } = setup((r) => {
      r.producers = [mic, cam];
    });
    await client.join();
    await settle();

    expect(room.requests.slice(0, 3).map((r) => r.name)).toEqual([
      'join',
      'createTransport',
      'createTransport',
    ]);
    expect(
      room
        .requestsNamed('createTransport')
        .map((r) => r.payload['direction'])
        .sort(),
    ).toEqual(['recv', 'send']);
    expect(
      room
        .requestsNamed('consume')
        .map((r) => r.payload['producerId'])
        .sort(),
    ).toEqual([mic.producerId, cam.producerId].sort());
    expect(room.requestsNamed('resumeConsumer')).toHaveLength(2);

    const state = client.state;
    expect(state.phase.name).toBe('joined');
    expect(state.self).toEqual(SELF);
    expect(state.members).toEqual([ALICE]);
    expect(state.media.every((m) => m.track !== null && m.consumerId !== null)).toBe(true);
    client.close();
  });

  it('never consumes its own producers', async () => {
    const { room, client } = setup((r) => {
      r.producers = [producer(SELF.memberId, 'camera')];
    });
    await client.join();
    await settle();
    expect(room.requestsNamed('consume')).toHaveLength(0);
    expect(client.state.media).toHaveLength(0);
    client.close();
  });

  it('replays events that arrive before the join answer', async () => {
    const bob = member(2);
    const { client } = setup((r) => {
      r.eventsBeforeJoinAck = [['memberJoined', { member: bob }]];
    });
    await client.join();
    expect(client.state.members.map((m) => m.memberId)).toEqual([ALICE.memberId, bob.memberId]);
    client.close();
  });

  it('consumes a producer added later, and drops it when it closes', async () => {
    const { room, client } = setup();
    await client.join();
    const cam = producer(ALICE.memberId, 'camera');
    room.producers.push(cam);
    room.emit('producerAdded', { producer: cam });
    await settle();
    expect(client.state.media).toHaveLength(1);
    expect(client.state.media[0]?.track).not.toBeNull();

    room.emit('producerClosed', { producerId: cam.producerId, memberId: ALICE.memberId });
    expect(client.state.media).toHaveLength(0);
    client.close();
  });

  it('ignores a malformed server event and keeps working', async () => {
    const { room, client } = setup();
    await client.join();
    room.emit('producerAdded', { producer: { producerId: 'not-a-uuid' } });
    room.emit('memberJoined', 'garbage');
    const bob = member(3);
    room.emit('memberJoined', { member: bob });
    expect(client.state.members.map((m) => m.memberId)).toEqual([ALICE.memberId, bob.memberId]);
    client.close();
  });

  it('shows a remote pause, and forgets a member who left with their media', async () => {
    const cam = producer(ALICE.memberId, 'camera');
    const { room, client, notices } = setup((r) => {
      r.producers = [cam];
    });
    await client.join();
    await settle();
    room.emit('producerPaused', { producerId: cam.producerId, memberId: ALICE.memberId, paused: true });
    expect(client.state.media[0]?.paused).toBe(true);

    room.emit('activeSpeaker', { memberId: ALICE.memberId });
    room.emit('memberLeft', { memberId: ALICE.memberId });
    expect(client.state.members).toEqual([]);
    expect(client.state.media).toEqual([]);
    expect(client.state.activeSpeakerId).toBeNull();
    expect(notices).toEqual([
      { type: 'activeSpeaker', displayName: 'Alice', isSelf: false },
      { type: 'memberLeft', displayName: 'Alice' },
    ]);
    client.close();
  });

  it('drops a producer that closed before it could be consumed', async () => {
    const gone = producer(ALICE.memberId, 'camera');
    const { room, client } = setup((r) => {
      r.producers = [gone];
    });
    room.handle('consume', () => ({ ok: false, error: { reason: 'not-found', message: 'gone' } }));
    await client.join();
    await settle();
    expect(client.state.media).toEqual([]);
    client.close();
  });

  it('does not retry a consumer that failed on its side', async () => {
    const cam = producer(ALICE.memberId, 'camera');
    const { room, client } = setup((r) => {
      r.producers = [cam];
    });
    room.handle('consume', () => ({
      ok: false,
      error: { reason: 'media-error', message: 'cannot consume' },
    }));
    await client.join();
    await settle();
    const later = producer(ALICE.memberId, 'microphone');
    room.producers.push(later);
    room.emit('producerAdded', { producer: later });
    await settle();
    expect(room.requestsNamed('consume').map((r) => r.payload['producerId'])).toEqual([
      cam.producerId,
      later.producerId,
    ]);
    client.close();
  });

  it('rejects join with the refusal reason given at connect', async () => {
    const { client } = setup((r) => {
      r.refuse = { reason: 'room-not-found', message: 'no such room' };
    });
    const failure = await client.join().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MeetingError);
    expect((failure as MeetingError).reason).toBe('room-not-found');
    expect(client.state.phase).toMatchObject({ name: 'ended', reason: 'refused' });
  });

  it('rejects join with the reason of a refused join request', async () => {
    const { room, client } = setup();
    room.handle('join', () => ({ ok: false, error: { reason: 'forbidden', message: 'no' } }));
    await expect(client.join()).rejects.toMatchObject({ reason: 'forbidden' });
    expect(room.disconnected).toBe(true);
  });

  it('starts muted without sending a sample, then unmutes', async () => {
    const { room, client } = setup();
    await client.join();
    const mic = new FakeTrack('audio');
    await client.startMicrophone({ track: mic.asTrack(), muted: true });

    const produce = room.requestsNamed('produce');
    expect(produce.map((r) => r.payload['source'])).toEqual(['microphone']);
    expect(room.requestsNamed('setProducerPaused').map((r) => r.payload['paused'])).toEqual([true]);
    expect(mic.enabled).toBe(false);
    expect(client.state.local.microphone.active).toBe(false);

    await client.setMicrophoneEnabled(true);
    expect(mic.enabled).toBe(true);
    expect(client.state.local.microphone.active).toBe(true);
    expect(room.requestsNamed('setProducerPaused').map((r) => r.payload['paused'])).toEqual([true, false]);
    client.close();
  });

  it('sends the camera with three simulcast encodings', async () => {
    const { room, client } = setup();
    await client.join();
    await client.startCamera({ track: new FakeTrack('video').asTrack() });
    const [request] = room.requestsNamed('produce');
    expect(request?.payload['source']).toBe('camera');
    expect((request?.payload['rtpParameters'] as { encodings: unknown[] }).encodings).toHaveLength(3);
    expect(client.state.local.camera.active).toBe(true);
    client.close();
  });

  it('releases the camera when it is turned off, and takes a new one when turned on', async () => {
    const { room, client, devices } = setup();
    await client.join();
    const first = new FakeTrack('video');
    await client.startCamera({ track: first.asTrack() });

    await client.setCameraEnabled(false);
    expect(first.readyState).toBe('ended');
    expect(client.state.local.camera).toEqual({ active: false, track: null });

    await client.setCameraEnabled(true);
    expect(devices.tracks).toHaveLength(1);
    expect(client.state.local.camera.track).toBe(devices.tracks[0]);
    expect(room.requestsNamed('produce')).toHaveLength(1);
    expect(room.requestsNamed('setProducerPaused').map((r) => r.payload['paused'])).toEqual([true, false]);
    client.close();
  });

  it('shares a screen with its audio, and stops when the browser ends the capture', async () => {
    const { room, client, devices } = setup();
    await client.join();
    expect(await client.startScreenShare()).toBe(true);
    expect(room.requestsNamed('produce').map((r) => r.payload['source'])).toEqual(['screen', 'screen-audio']);
    expect(client.state.local.screen.active).toBe(true);

    devices.tracks[0]?.end();
    await settle();
    expect(room.requestsNamed('closeProducer')).toHaveLength(2);
    expect(client.state.local.screen.active).toBe(false);
    client.close();
  });

  it('shares the screen without audio when the browser cannot capture it', async () => {
    const { room, client, devices } = setup();
    devices.screenAudioUnsupported = true;
    await client.join();
    expect(await client.startScreenShare()).toBe(true);
    expect(room.requestsNamed('produce').map((r) => r.payload['source'])).toEqual(['screen']);
    client.close();
  });

  it('reports a browser without WebRTC support as such', async () => {
    const room = new FakeRoom();
    const client = new MeetingClient({
      token: 't',
      identity: FAKE_IDENTITY,
      socketFactory: room.socketFactory,
      createDevice: () => Promise.reject(Object.assign(new Error('no WebRTC'), { name: 'UnsupportedError' })),
    });
    await expect(client.join()).rejects.toMatchObject({ reason: 'unsupported-browser' });
  });

  it('treats a cancelled screen picker as nothing happening', async () => {
    const { room, client, devices } = setup();
    devices.cancelScreen = true;
    await client.join();
    expect(await client.startScreenShare()).toBe(false);
    expect(room.requestsNamed('produce')).toHaveLength(0);
    client.close();
  });

  it('asks for the top layer for the active speaker and a lower one for small tiles', async () => {
    const others = [1, 2, 3, 4, 5, 6].map(member);
    const cams = others.map((m) => producer(m.memberId, 'camera'));
    const { room, client } = setup((r) => {
      r.members = others;
      r.producers = cams;
    });
    await client.join();
    await settle();
    // 7 video tiles: the middle layer for everyone.
    expect(room.requestsNamed('setConsumerLayers').map((r) => r.payload['spatialLayer'])).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);

    room.emit('activeSpeaker', { memberId: others[2]!.memberId });
    const speakerConsumer = client.state.media.find((m) => m.memberId === others[2]!.memberId)?.consumerId;
    const last = room.requestsNamed('setConsumerLayers').at(-1);
    expect(last?.payload).toEqual({ consumerId: speakerConsumer, spatialLayer: 2 });
    client.close();
  });

  it('sets layers before resuming a consumer', async () => {
    const { room, client } = setup((r) => {
      r.producers = [producer(ALICE.memberId, 'camera')];
    });
    await client.join();
    await settle();
    const names = room.requests.map((r) => r.name);
    expect(names.indexOf('setConsumerLayers')).toBeGreaterThan(-1);
    expect(names.indexOf('setConsumerLayers')).toBeLessThan(names.indexOf('resumeConsumer'));
    client.close();
  });

  it('ends with the room closed reason', async () => {
    const { room, client } = setup();
    await client.join();
    room.emit('roomClosed', { reason: 'media-server-restarted' });
    expect(client.state.phase).toMatchObject({ name: 'ended', reason: 'media-server-restarted' });
    expect(room.disconnected).toBe(true);
  });

  it('ends as connection-lost when the socket drops', async () => {
    const { room, client } = setup();
    await client.join();
    room.emit('disconnect', 'transport close');
    expect(client.state.phase).toMatchObject({ name: 'ended', reason: 'connection-lost' });
  });

  it('leave tells the server, then stops every local track; close is idempotent', async () => {
    const { room, client } = setup();
    await client.join();
    const mic = new FakeTrack('audio');
    const cam = new FakeTrack('video');
    await client.startMicrophone({ track: mic.asTrack() });
    await client.startCamera({ track: cam.asTrack() });
    await client.leave();
    expect(room.requestsNamed('leave')).toHaveLength(1);
    expect(mic.readyState).toBe('ended');
    expect(cam.readyState).toBe('ended');
    expect(client.state.phase).toMatchObject({ name: 'ended', reason: 'left' });
    client.close();
    await client.leave();
    expect(room.requestsNamed('leave')).toHaveLength(1);
    await expect(client.setMicrophoneEnabled(true)).rejects.toMatchObject({ reason: 'closed' });
  });

  it('closing while joining stops the join', async () => {
    const { client } = setup();
    const joining = client.join();
    client.close();
    await expect(joining).rejects.toMatchObject({ reason: 'closed' });
    expect(client.state.phase).toMatchObject({ name: 'ended', reason: 'left' });
  });

  it('reports stats for every live consumer', async () => {
    const { client } = setup((r) => {
      r.producers = [producer(ALICE.memberId, 'microphone'), producer(ALICE.memberId, 'camera')];
    });
    await client.join();
    await settle();
    const stats = await client.getStats();
    expect(stats.map((s) => `${s.memberId}/${s.source}/${s.kind}`).sort()).toEqual([
      'alice-member-1/camera/video',
      'alice-member-1/microphone/audio',
    ]);
    client.close();
  });
});
