import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nextEvent,
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  sleep,
  startHarness,
  waitFor,
  type Harness,
  type Member,
} from '../../signaling/test/support/harness.ts';

/** Bound on replacing a dead worker (the pool waits 500 ms before respawning). */
const REPLACED_WITHIN_MS = 5_000;

/** A killed mediasoup worker: its rooms are rebuilt on the replacement; members stay and reconnect their media. */
describe('mediasoup worker death', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Polls /readyz until stopped; resolves with every status seen. */
  function watchReadiness(): { stop: () => Promise<number[]> } {
    const statuses: number[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        statuses.push((await fetch(`${h.baseUrl}/readyz`)).status);
        await sleep(50);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return statuses;
      },
    };
  }

  it("keeps the members of a killed worker's rooms, tells them to reconnect their media, and rebuilds the room on the replacement", async () => {
    const meetingId = await h.createMeeting();
    const other = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const cleo = await h.joinMember(other, 'Cleo');
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    const { producerId } = okData(
      await request(ada.socket, 'produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    );
    expect(await h.memberCount()).toBe(3);

    const oldWorker = h.sfu.pool.slots[0]!.worker;
    const oldPid = oldWorker.pid;
    expect((await oldWorker.dump()).routerIds).toHaveLength(2);
    const readiness = watchReadiness();
    const resets = [ada, bob, cleo].map((m) => nextEvent<{ reason: string }>(m.socket, 'mediaReset'));
    const closed: string[] = [];
    for (const m of [ada, bob, cleo]) {
      m.socket.on('roomClosed', ({ reason }: { reason: string }) => closed.push(reason));
    }

    process.kill(oldPid, 'SIGKILL');

    for (const event of await Promise.all(resets)) {
      expect(event).toEqual({ reason: 'worker-died' });
    }
    // Nobody left the meeting: membership, and the old producer is forgotten.
    expect(await h.memberCount()).toBe(3);
    expect(closed).toEqual([]);

    const replacement = await waitFor(
      'the dead worker to be replaced',
      () => {
        const slot = h.sfu.pool.slots[0];
        return slot && !slot.worker.closed && slot.worker.pid !== oldPid ? slot : undefined;
      },
      REPLACED_WITHIN_MS,
    );
    expect(oldWorker.closed).toBe(true);
    expect(h.sfu.registry.size).toBe(0);

    // The same sockets, still joined, reconnect their media: a router is made on the new worker.
    const again = okData(await request(ada.socket, 'reconnectMedia', {}));
    expect(again.routerRtpCapabilities.codecs?.length).toBeGreaterThan(0);
    expect(again.producers).toEqual([]);
    expect((await replacement.worker.dump()).routerIds).toHaveLength(1);
    // The old producer is gone for good.
    expect(refusalOf(await request(ada.socket, 'closeProducer', { producerId }))).toBe('not-found');

    // Media works on the replacement, on the same configured port; Bob hears of Ada's new producer.
    const transport = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    expect(transport.iceCandidates.map((c) => [c.address, c.port])).toContainEqual(['127.0.0.1', h.rtcPort]);
    const announced = nextEvent<{ producer: { memberId: string } }>(bob.socket, 'producerAdded');
    okData(
      await request(ada.socket, 'produce', {
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    );
    expect((await announced).producer.memberId).toBe(ada.join.self.memberId);
    expect(okData(await request(bob.socket, 'reconnectMedia', {})).producers).toHaveLength(1);

    // The other room comes back too, and a brand new member joins the first one.
    okData(await request(cleo.socket, 'reconnectMedia', {}));
    const dan = await h.joinMember(meetingId, 'Dan');
    expect(dan.join.members.map((m) => m.memberId).sort()).toEqual(
      [ada.join.self.memberId, bob.join.self.memberId].sort(),
    );
    expect((await replacement.worker.dump()).routerIds).toHaveLength(2);
    expect(await h.memberCount()).toBe(4);

    const statuses = await readiness.stop();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  }, 20_000);

  it('gives a retryable refusal, not a broken room, to a media reconnection that arrives before the worker is back', async () => {
    const meetingId = await h.createMeeting();
    const ada: Member = await h.joinMember(meetingId, 'Ada');
    const members = await h.memberCount();
    const oldPid = h.sfu.pool.slots[0]!.worker.pid;
    const reset = nextEvent(ada.socket, 'mediaReset');
    process.kill(oldPid, 'SIGKILL');
    await reset;
    // A client reconnects its media as soon as it hears of the reset.
    const early = await request(ada.socket, 'reconnectMedia', {});
    if (!early.ok) {
      expect(early.error.reason).toBe('sfu-unavailable');
    }
    expect(await h.memberCount()).toBe(members);
    await waitFor(
      'the dead worker to be replaced',
      () => h.sfu.pool.slots[0] && h.sfu.pool.slots[0].worker.pid !== oldPid,
      REPLACED_WITHIN_MS,
    );
    okData(await request(ada.socket, 'reconnectMedia', {}));
    okData(await request(ada.socket, 'createTransport', { direction: 'recv' }));
  }, 20_000);

  it("restarts ICE on a member's own transport only", async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const transport = okData(await request(ada.socket, 'createTransport', { direction: 'recv' }));
    const restarted = okData(await request(ada.socket, 'restartIce', { transportId: transport.id }));
    expect(restarted.iceParameters.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);
    expect(restarted.iceParameters.password).not.toBe(transport.iceParameters.password);
    // Bob cannot restart Ada's transport.
    expect(refusalOf(await request(bob.socket, 'restartIce', { transportId: transport.id }))).toBe(
      'not-found',
    );
  }, 20_000);
});
