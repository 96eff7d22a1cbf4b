import { describe, expect, it } from 'vitest';
import { testFakeParameters } from 'mediasoup-client';
import { ALICE, FakeTrack, producer, settle } from '../testing/fakeRoom.ts';
import {
  createHarness,
  deferred,
  freshIceParameters,
  transportIds,
  type Harness,
} from '../testing/harness.ts';

async function joined(): Promise<Harness> {
  const h = createHarness({
    configure: (room) => {
      room.producers = [producer(ALICE.memberId, 'camera')];
    },
  });
  await h.client.join();
  await settle();
  h.media.setConnectionState('send', 'connected');
  h.media.setConnectionState('recv', 'connected');
  return h;
}

function requestsAfter(h: Harness, name: string): string[] {
  const names = h.room.requestNames();
  return names.slice(names.lastIndexOf(name) + 1);
}

function reconnectAnswer(h: Harness): { routerRtpCapabilities: unknown; producers: unknown } {
  return {
    routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
    producers: h.room.producers,
  };
}

describe('repair races', () => {
  it('leave wins over an ICE repair: nothing is sent after leave', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'failed');
    await settle();
    expect(h.room.requestsNamed('restartIce')).toHaveLength(1);
    // The repair sleeps before its next attempt; the person leaves.
    await h.client.leave();
    await h.clock.run(60_000);
    expect(requestsAfter(h, 'leave')).toEqual([]);
    expect(h.client.lifecycle).toEqual({ name: 'ended', reason: 'left' });
    expect(h.clock.pending).toBe(0);
  });

  it('leave wins over new credentials still on their way: ICE is not restarted on a closed transport', async () => {
    const h = await joined();
    const held = deferred<unknown>();
    h.room.handle('restartIce', () => held.promise);
    h.media.setConnectionState('recv', 'failed');
    await settle();
    const leaving = h.client.leave();
    held.resolve(freshIceParameters());
    await leaving;
    await h.clock.run(60_000);
    expect(h.media.latest('recv').iceRestarts).toBe(0);
    expect(requestsAfter(h, 'leave')).toEqual([]);
  });

  it('leave wins over a media reset that arrives while leaving', async () => {
    const h = await joined();
    const held = deferred<unknown>();
    h.room.handle('leave', () => held.promise);
    const leaving = h.client.leave();
    await settle();
    h.room.emit('mediaReset', { reason: 'worker-died' });
    h.media.setConnectionState('send', 'failed');
    await settle();
    expect(h.client.lifecycle).toEqual({ name: 'leaving' });
    held.resolve({});
    await leaving;
    await h.clock.run(60_000);
    expect(h.room.requestsNamed('reconnectMedia')).toHaveLength(0);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(0);
    expect(h.client.state.phase).toMatchObject({ name: 'ended', reason: 'left' });
  });

  it('two transports failing join one repair, done when both are connected again', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'failed');
    h.media.setConnectionState('send', 'failed');
    expect(h.client.lifecycle).toMatchObject({
      name: 'repairing',
      cause: { kind: 'ice-restart', directions: ['recv', 'send'] },
    });
    await settle();
    expect(
      h.room
        .requestsNamed('restartIce')
        .map((r) => r.payload['transportId'])
        .sort(),
    ).toEqual([transportIds(h.room, 'recv')[0], transportIds(h.room, 'send')[0]].sort());
    h.media.setConnectionState('send', 'connected');
    expect(h.client.lifecycle).toMatchObject({ cause: { directions: ['recv'] } });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    h.media.setConnectionState('recv', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    expect(h.client.repairs).toEqual({ iceRestarts: 2, mediaResets: 0, repaired: 1 });
    await h.clock.run(60_000);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(2);
    h.client.close();
  });

  it('a media reset supersedes an ICE restart in progress', async () => {
    const h = await joined();
    const held = deferred<unknown>();
    h.room.handle('restartIce', () => held.promise);
    h.media.setConnectionState('recv', 'failed');
    await settle();
    const oldRecv = h.media.latest('recv');
    h.room.producers = [producer(ALICE.memberId, 'camera')];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    held.resolve(freshIceParameters());
    await settle();
    // The old transport is gone: its credentials are not used; the rebuild made new ones.
    expect(oldRecv.iceRestarts).toBe(0);
    expect(h.room.transports).toHaveLength(4);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    await h.clock.run(60_000);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(1);
    expect(h.client.repairs).toEqual({ iceRestarts: 0, mediaResets: 1, repaired: 1 });
    h.client.close();
  });

  it('a second media reset supersedes the first rebuild', async () => {
    const h = await joined();
    const first = deferred<unknown>();
    let calls = 0;
    h.room.handle('reconnectMedia', () => (++calls === 1 ? first.promise : reconnectAnswer(h)));
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    h.room.emit('mediaReset', { reason: 'host-lost' });
    await settle();
    expect(h.room.transports).toHaveLength(4);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });

    first.resolve(reconnectAnswer(h));
    await settle();
    expect(h.room.transports).toHaveLength(4);
    expect(h.media.devices).toHaveLength(2);
    expect(h.client.repairs).toEqual({ iceRestarts: 0, mediaResets: 2, repaired: 1 });
    h.client.close();
  });

  it('a producer announced mid-repair is consumed once, after the new receive transport exists', async () => {
    const h = await joined();
    const held = deferred<unknown>();
    h.room.handle('reconnectMedia', () => held.promise);
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    const added = producer(ALICE.memberId, 'camera');
    h.room.producers = [added];
    h.room.emit('producerAdded', { producer: added });
    await settle();
    expect(h.client.state.media.map((m) => m.producerId)).toEqual([added.producerId]);
    expect(
      h.room.requestsNamed('consume').filter((r) => r.payload['producerId'] === added.producerId),
    ).toEqual([]);

    held.resolve(reconnectAnswer(h));
    await settle();
    const names = h.room.requestNames();
    const consumes = h.room.requests
      .map((r, index) => ({ r, index }))
      .filter(({ r }) => r.name === 'consume' && r.payload['producerId'] === added.producerId);
    expect(consumes).toHaveLength(1);
    expect(consumes[0]!.index).toBeGreaterThan(names.lastIndexOf('createTransport'));
    expect(h.client.state.media[0]?.track).not.toBeNull();
    h.client.close();
  });

  it('a transport failing during the rebuild has its ICE restarted once the rebuild is done', async () => {
    const h = await joined();
    await h.client.startMicrophone({ track: new FakeTrack('audio').asTrack() });
    const held = deferred<unknown>();
    h.room.handle('produce', () => held.promise);
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    // New transports made, the microphone being published again: the new receive transport fails.
    expect(h.room.transports).toHaveLength(4);
    h.media.setConnectionState('recv', 'failed');
    expect(h.client.lifecycle).toMatchObject({ cause: { kind: 'media-reset', down: ['recv'] } });
    expect(h.room.requestsNamed('restartIce')).toHaveLength(0);

    held.resolve({ producerId: crypto.randomUUID() });
    await settle();
    expect(h.client.lifecycle).toMatchObject({ cause: { kind: 'ice-restart', directions: ['recv'] } });
    expect(h.room.requestsNamed('restartIce').map((r) => r.payload['transportId'])).toEqual([
      transportIds(h.room, 'recv')[1],
    ]);
    h.media.setConnectionState('recv', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });

  it('a screen shared while the media is rebuilt is sent once, on the new transports', async () => {
    const h = await joined();
    const held = deferred<unknown>();
    h.room.handle('reconnectMedia', () => held.promise);
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    const sharing = h.client.startScreenShare();
    await settle();
    expect(h.room.requestsNamed('produce')).toHaveLength(0);
    held.resolve(reconnectAnswer(h));
    expect(await sharing).toBe(true);
    await settle();
    expect(
      h.room.requestsNamed('produce').map((r) => [r.payload['source'], r.payload['transportId']]),
    ).toEqual([
      ['screen', transportIds(h.room, 'send')[1]],
      ['screen-audio', transportIds(h.room, 'send')[1]],
    ]);
    expect(h.client.state.local.screen.active).toBe(true);
    h.client.close();
  });

  it('a camera turned on while the media is rebuilt is sent once, with its new track', async () => {
    const h = await joined();
    await h.client.startCamera({ track: new FakeTrack('video').asTrack() });
    await h.client.setCameraEnabled(false);
    const held = deferred<unknown>();
    h.room.handle('reconnectMedia', () => held.promise);
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    const mark = h.room.requests.length;
    await h.client.setCameraEnabled(true);
    const camera = h.client.state.local.camera;
    expect(camera.active).toBe(true);
    held.resolve(reconnectAnswer(h));
    await settle();
    const produced = h.room.requests.slice(mark).filter((r) => r.name === 'produce');
    expect(produced.map((r) => [r.payload['source'], r.payload['transportId']])).toEqual([
      ['camera', transportIds(h.room, 'send')[1]],
    ]);
    expect(h.client.state.local.camera).toEqual(camera);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });

  it('a screen share stopped by the browser during the rebuild is not sent again, and shows off', async () => {
    const h = await joined();
    expect(await h.client.startScreenShare()).toBe(true);
    const held = deferred<unknown>();
    h.room.handle('reconnectMedia', () => held.promise);
    h.room.producers = [];
    h.room.emit('mediaReset', { reason: 'worker-died' });
    await settle();
    const mark = h.room.requests.length;
    for (const track of h.devices.tracks) {
      track.end();
    }
    held.resolve(reconnectAnswer(h));
    await settle();
    expect(h.room.requests.slice(mark).filter((r) => r.name === 'produce')).toEqual([]);
    expect(h.client.state.local.screen).toEqual({ active: false, track: null });
    h.client.close();
  });
});
