import { describe, expect, it } from 'vitest';
import { ALICE, producer, settle } from '../testing/fakeRoom.ts';
import { createHarness, freshIceParameters, transportIds, type Harness } from '../testing/harness.ts';
import { DISCONNECTED_GRACE_MS } from './MediaTransports.ts';
import { REPAIR_GIVE_UP_MS } from './MeetingLifecycle.ts';

async function joined(): Promise<Harness> {
  const h = createHarness({
    configure: (room) => {
      room.producers = [producer(ALICE.memberId, 'camera')];
    },
  });
  await h.client.join();
  await settle();
  h.media.setConnectionState('recv', 'connected');
  return h;
}

/** When each restartIce request was made, relative to `from`. */
function recordRestartTimes(h: Harness, from: number): number[] {
  const times: number[] = [];
  h.room.handle('restartIce', () => {
    times.push(h.clock.now() - from);
    return freshIceParameters();
  });
  return times;
}

describe('ICE repair', () => {
  it('restarts ICE with new credentials when a transport fails, and stays in the meeting', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'failed');

    expect(h.client.lifecycle).toMatchObject({
      name: 'repairing',
      cause: { kind: 'ice-restart', directions: ['recv'] },
    });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    await settle();
    expect(h.room.requestsNamed('restartIce').map((r) => r.payload)).toEqual([
      { transportId: transportIds(h.room, 'recv')[0] },
    ]);
    expect(h.media.latest('recv').iceRestarts).toBe(1);

    h.media.setConnectionState('recv', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(h.client.repairs).toEqual({ iceRestarts: 1, mediaResets: 0, repaired: 1 });
    // Neither the give-up bound nor a retry is left waiting.
    await h.clock.run(1_000);
    expect(h.clock.pending).toBe(0);
    // No rejoin, no new transport, the remote media still there.
    expect(h.room.requestsNamed('join')).toHaveLength(1);
    expect(h.room.transports).toHaveLength(2);
    expect(h.client.state.media[0]?.track).not.toBeNull();
    h.client.close();
  });

  it('gives a disconnected transport a grace to heal by itself before restarting its ICE', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'disconnected');
    await h.clock.run(DISCONNECTED_GRACE_MS - 1);
    h.media.setConnectionState('recv', 'connected');
    await h.clock.run(10_000);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(0);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });

    h.media.setConnectionState('recv', 'disconnected');
    await h.clock.run(DISCONNECTED_GRACE_MS);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(1);
    expect(h.client.lifecycle).toMatchObject({ name: 'repairing' });
    h.client.close();
  });

  it('backs off between attempts (0.5 s, 1 s, 2 s, 4 s...) until the transport connects', async () => {
    const h = await joined();
    const times = recordRestartTimes(h, h.clock.now());
    h.media.setConnectionState('send', 'failed');
    await h.clock.run(8_000);
    expect(times).toEqual([0, 500, 1_500, 3_500, 7_500]);

    h.media.setConnectionState('send', 'connected');
    await h.clock.run(20_000);
    expect(times).toHaveLength(5);
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    expect(h.client.repairs.iceRestarts).toBe(5);
    h.client.close();
  });

  it('keeps trying while the media server refuses new credentials', async () => {
    const h = await joined();
    let refusals = 2;
    h.room.handle('restartIce', () =>
      refusals-- > 0
        ? { ok: false, error: { reason: 'sfu-unavailable', message: 'busy' } }
        : freshIceParameters(),
    );
    h.media.setConnectionState('recv', 'failed');
    await h.clock.run(2_000);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(3);
    expect(h.media.latest('recv').iceRestarts).toBe(1);
    h.media.setConnectionState('recv', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });

  it('ends with connection-lost only after the give-up bound, not when the transport fails', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'failed');
    await h.clock.run(REPAIR_GIVE_UP_MS - 1);
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });

    await h.clock.run(1);
    expect(h.client.state.phase).toMatchObject({ name: 'ended', reason: 'connection-lost' });
    expect(h.client.lifecycle).toEqual({ name: 'ended', reason: 'connection-lost' });
    expect(h.room.disconnected).toBe(true);
    const count = h.room.requests.length;
    await h.clock.run(60_000);
    expect(h.room.requests).toHaveLength(count);
    expect(h.clock.pending).toBe(0);
  });

  it('a transport failing again after a repair gets a new one, with a fresh bound', async () => {
    const h = await joined();
    h.media.setConnectionState('recv', 'failed');
    await h.clock.run(20_000);
    h.media.setConnectionState('recv', 'connected');
    h.media.setConnectionState('recv', 'failed');
    await h.clock.run(REPAIR_GIVE_UP_MS - 1_000);
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    h.media.setConnectionState('recv', 'connected');
    expect(h.client.repairs.repaired).toBe(2);
    h.client.close();
  });

  it('does not restart ICE when the repair policy forbids it, and still gives up at the bound', async () => {
    const h = createHarness({ repairPolicy: { allows: (repair) => repair !== 'ice-restart' } });
    await h.client.join();
    h.media.setConnectionState('send', 'failed');
    await h.clock.run(REPAIR_GIVE_UP_MS - 1);
    expect(h.room.requestsNamed('restartIce')).toHaveLength(0);
    expect(h.client.state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    // The path came back by itself: in the meeting again.
    h.media.setConnectionState('send', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });

  it('lets a restart finish its checks before restarting again', async () => {
    const h = await joined();
    const times = recordRestartTimes(h, h.clock.now());
    h.media.setConnectionState('recv', 'failed');
    await settle();
    // The restart took: ICE checks the new candidates for a while.
    h.media.setConnectionState('recv', 'connecting');
    await h.clock.run(8_000);
    expect(times).toEqual([0]);
    // The checks failed: restarts resume on the backoff.
    h.media.setConnectionState('recv', 'failed');
    await h.clock.run(8_000);
    expect(times.length).toBeGreaterThan(1);
    h.media.setConnectionState('recv', 'connected');
    expect(h.client.lifecycle).toEqual({ name: 'joined' });
    h.client.close();
  });
});
