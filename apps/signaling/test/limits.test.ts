import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, MAX_MLS_MESSAGE_BYTES } from '@confidentiel/protocol';
import { RECOVERY_WINDOW_MS, REQUESTS_PER_SECOND } from '../src/socket/RoomGateway.ts';
import {
  metricValue,
  nextEvent,
  okData,
  rawRequest,
  refusalOf,
  request,
  sleep,
  startHarness,
  unknownMediaId,
  waitFor,
  type Harness,
} from './support/harness.ts';

describe('per-socket limits', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('disconnects only the sender of a message over the 1.5 MiB cap', { timeout: 60_000 }, async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const before = await h.memberCount();

    const dropped = nextEvent<string>(bob.socket, 'disconnect');
    const left = nextEvent<{ memberId: string }>(ada.socket, 'memberLeft', RECOVERY_WINDOW_MS + 5_000);
    // Socket.IO's own cap is the MLS one (a larger commit); the 64 KiB cap is per event (too-large).
    bob.socket.emit('createTransport', { direction: 'x'.repeat(MAX_MLS_MESSAGE_BYTES + 1024) }, () => {
      throw new Error('an oversized request must not be answered');
    });
    expect(await dropped).toBe('transport close');
    // A dropped connection keeps its place for the recovery window; then it is gone.
    expect(await h.memberCount()).toBe(before);
    expect((await left).memberId).toBe(bob.join.self.memberId);
    await waitFor('the member count to drop by one', async () => (await h.memberCount()) === before - 1);

    // The other member is untouched and can still make requests.
    expect(ada.socket.connected).toBe(true);
    const transport = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    expect(h.media.transports.get(transport.id)?.closed).toBe(false);
    expect(ada.events.get('roomClosed')).toBeUndefined();
  });

  it('accepts a message just under the cap (the cap is not lower than announced)', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const ack = await rawRequest(ada.socket, 'createTransport', [
      { direction: 'x'.repeat(LIMITS.maxMessageBytes - 1024) },
    ]);
    expect(refusalOf(ack)).toBe('invalid-payload');
    expect(ada.socket.connected).toBe(true);
  });

  it('rate-limits a flood from one socket and leaves another member of the room unaffected', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    // Start both in a fresh one-second window.
    await sleep(1_100);
    const limitedBefore = metricValue(await h.metrics(), 'confidentiel_refusals_total', {
      reason: 'rate-limited',
    });

    const started = Date.now();
    const flood = Array.from({ length: 200 }, () =>
      rawRequest(bob.socket, 'resumeConsumer', [{ consumerId: unknownMediaId() }], 10_000),
    );
    const adaDuringFlood = request(ada.socket, 'createTransport', { direction: 'send' });
    const reasons = (await Promise.all(flood)).map(refusalOf);
    // The limiter counts in fixed one-second windows: the flood may straddle a boundary (or more, on a loaded machine).
    const windows = Math.ceil((Date.now() - started) / 1_000) + 1;
    const limited = reasons.filter((r) => r === 'rate-limited').length;
    const served = reasons.filter((r) => r === 'not-found').length;
    expect(limited + served).toBe(200);
    expect(served).toBeGreaterThanOrEqual(REQUESTS_PER_SECOND);
    expect(served).toBeLessThanOrEqual(windows * REQUESTS_PER_SECOND);
    expect(limited).toBeGreaterThan(0);
    expect(metricValue(await h.metrics(), 'confidentiel_refusals_total', { reason: 'rate-limited' })).toBe(
      limitedBefore + limited,
    );

    // Ada, in the same room, was served during the flood and still is.
    okData(await adaDuringFlood);
    for (let i = 0; i < 10; i++) {
      expect(refusalOf(await request(ada.socket, 'resumeConsumer', { consumerId: unknownMediaId() }))).toBe(
        'not-found',
      );
    }
    // The flooder is throttled, not dropped: it recovers after the window.
    expect(bob.socket.connected).toBe(true);
    await sleep(1_100);
    expect(refusalOf(await request(bob.socket, 'resumeConsumer', { consumerId: unknownMediaId() }))).toBe(
      'not-found',
    );
  }, 20_000);
});
