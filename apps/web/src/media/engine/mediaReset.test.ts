import { describe, expect, it } from 'vitest';
import { testFakeParameters } from 'mediasoup-client';
import type { MediaSource } from '@confidentiel/protocol';
import type { RtpReceiverInfo } from '../meetingClientTypes.ts';
import { ALICE, FakeTrack, producer, settle } from '../testing/fakeRoom.ts';
import { createHarness, transportIds, type Harness } from '../testing/harness.ts';
import { REPAIR_GIVE_UP_MS } from './MeetingLifecycle.ts';

/** The media server lost the room: Alice's producers are forgotten; she publishes again (new ids). */
function workerDies(h: Harness, republished: MediaSource[] = ['microphone', 'camera']): string[] {
  h.room.producers = republished.map((source) => producer(ALICE.memberId, source));
  h.room.emit('mediaReset', { reason: 'worker-died' });
  return h.room.producers.map((p) => p.producerId);
}

function producedSince(h: Harness, index: number): Array<{ source: unknown; transportId: unknown }> {
  return h.room.requests
    .slice(index)
    .filter((r) => r.name === 'produce')
    .map((r) => ({ source: r.payload['source'], transportId: r.payload['transportId'] }));
}

describe('media reset', () => {
  it('rebuilds transports, producers and consumers with the same local tracks and mute state', async () => {
    const senders: MediaSource[] = [];
    const receivers: RtpReceiverInfo[] = [];
    const h = createHarness({
      configure: (room) => {
        room.producers = [producer(ALICE.memberId, 'microphone'), producer(ALICE.memberId, 'camera')];
      },
      transform: {
        onRtpSender: (_sender, source) => senders.push(source),
        onRtpReceiver: (_receiver, info) => receivers.push(info),
      },
    });
    await h.client.join();
    await settle();
    const mic = new FakeTrack('audio');
    const cam = new FakeTrack('video');
    await h.client.startMicrophone({ track: mic.asTrack(), muted: true });
    await h.client.startCamera({ track: cam.asTrack() });
    expect(await h.client.startScreenShare()).toBe(true);
    const screen = h.client.state.local.screen.track;
    const mark = h.room.requests.length;
    expect(senders).toEqual(['microphone', 'camera', 'screen', 'screen-audio']);
    expect(receivers).toHaveLength(2);

    const fresh = workerDies(h);
    // At once: the old remote media is void, the person sees "reconnecting", the local tracks live on.
    expect(h.client.lifecycle).toMatchObject({ name: 'repairing', cause: { kind: 'media-reset' } });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    expect(h.client.state.media).toEqual([]);
    expect([mic.readyState, cam.readyState]).toEqual(['live', 'live']);

    await settle();
    expect(h.room.requestsNamed('reconnectMedia')).toHaveLength(1);
    expect(h.media.devices).toHaveLength(2);
    expect(h.room.transports).toHaveLength(4);
    const newSend = transportIds(h.room, 'send')[1];
    expect(producedSince(h, mark)).toEqual([
      { source: 'microphone', transportId: newSend },
      { source: 'camera', transportId: newSend },
      { source: 'screen', transportId: newSend },
      { source: 'screen-audio', transportId: newSend },
    ]);
    // The microphone was muted: it is sent again muted, with the same track.
    const paused = h.room.requests.slice(mark).filter((r) => r.name === 'setProducerPaused');
    expect(paused.map((r) => r.payload['paused'])).toEqual([true]);
    expect(mic.enabled).toBe(false);
    expect(h.client.state.local.microphone).toEqual({ active: false, track: mic });
    expect(h.client.state.local.camera).toEqual({ active: true, track: cam });
    expect(h.client.state.local.screen).toEqual({ active: true, track: screen });
    // Every new sender and receiver went through the E2EE hooks, as on first join.
    expect(senders).toEqual([
      'microphone',
      'camera',
      'screen',
      'screen-audio',
      'microphone',
      'camera',
      'screen',
      'screen-audio',
    ]);
    expect(receivers.slice(2).map((r) => [r.memberId, r.senderIndex])).toEqual([
      [ALICE.memberId, ALICE.senderIndex],
      [ALICE.memberId, ALICE.senderIndex],
    ]);
    // Alice's new producers are consumed on the new receive transport.
    const consumed = h.room.requests.slice(mark).filter((r) => r.name === 'consume');
    expect(consumed.map((r) => r.payload['producerId']).sort()).toEqual([...fresh].sort());
    expect(h.client.state.media.map((m) => m.producerId).sort()).toEqual([...fresh].sort());
    expect(h.client.state.media.every((m) => m.track !== null)).toBe(true);

    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(h.client.repairs).toEqual({ iceRestarts: 0, mediaResets: 1, repaired: 1 });
    // No rejoin: one handshake, one join.
    expect(h.room.handshakes).toHaveLength(1);
    expect(h.room.requestsNamed('join')).toHaveLength(1);
    h.client.close();
    expect([mic.readyState, cam.readyState]).toEqual(['ended', 'ended']);
  });

  it('does not send again a camera that was off; turning it on afterwards makes a new producer', async () => {
    const h = createHarness();
    await h.client.join();
    await h.client.startCamera({ track: new FakeTrack('video').asTrack() });
    await h.client.setCameraEnabled(false);
    const mark = h.room.requests.length;
    workerDies(h, []);
    await settle();
    expect(producedSince(h, mark)).toEqual([]);
    expect(h.client.state.local.camera).toEqual({ active: false, track: null });
    expect(h.client.lifecycle).toEqual({ name: 'joined' });

    await h.client.setCameraEnabled(true);
    expect(producedSince(h, mark)).toEqual([
      { source: 'camera', transportId: transportIds(h.room, 'send')[1] },
    ]);
    expect(h.client.state.local.camera.active).toBe(true);
    h.client.close();
  });

  it('retries reconnectMedia with backoff while the media server replaces its worker', async () => {
    const h = createHarness();
    await h.client.join();
    const start = h.clock.now();
    const times: number[] = [];
    let refusals = 2;
    h.room.handle('reconnectMedia', () => {
      times.push(h.clock.now() - start);
      return refusals-- > 0
        ? { ok: false, error: { reason: 'sfu-unavailable', message: 'replacing a worker' } }
        : { routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(), producers: [] };
    });
    workerDies(h, []);
    await h.clock.run(5_000);
    expect(times).toEqual([0, 500, 1_500]);
    expect(h.room.transports).toHaveLength(4);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });

  it('ends, saying the media server restarted, when it does not come back within the bound', async () => {
    const h = createHarness();
    await h.client.join();
    h.room.handle('reconnectMedia', () => ({
      ok: false,
      error: { reason: 'sfu-unavailable', message: 'no worker' },
    }));
    workerDies(h, []);
    await h.clock.run(REPAIR_GIVE_UP_MS - 1);
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    await h.clock.run(1);
    expect(h.client.state.phase).toMatchObject({
      name: 'ended',
      reason: 'media-server-restarted',
      error: { reason: 'sfu-unavailable' },
    });
    const count = h.room.requests.length;
    await h.clock.run(60_000);
    expect(h.room.requests).toHaveLength(count);
  });

  it('a reset during the join is repaired once the join is done', async () => {
    const h = createHarness({
      configure: (room) => {
        room.eventsBeforeJoinAck = [['mediaReset', { reason: 'worker-died' }]];
      },
    });
    await h.client.join();
    await settle();
    expect(h.room.requestsNamed('reconnectMedia')).toHaveLength(1);
    expect(h.room.transports).toHaveLength(4);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'connected' });
    h.client.close();
  });

  it('drops the lost media but makes none again when the repair policy forbids it', async () => {
    const h = createHarness({ repairPolicy: { allows: (repair) => repair !== 'media-rebuild' } });
    await h.client.join();
    const mic = new FakeTrack('audio');
    await h.client.startMicrophone({ track: mic.asTrack() });
    workerDies(h, []);
    await h.clock.run(REPAIR_GIVE_UP_MS - 1);
    expect(h.room.requestsNamed('reconnectMedia')).toHaveLength(0);
    expect(h.room.transports).toHaveLength(2);
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    expect(mic.readyState).toBe('live');
    await h.clock.run(1);
    expect(h.client.state.phase).toMatchObject({ name: 'ended', reason: 'media-server-restarted' });
  });
});
