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
  TEST_IDENTITY,
  joined,
} from '../../signaling/test/support/harness.ts';

/** Bound on replacing a dead worker (the pool waits 500 ms before respawning). */
const REPLACED_WITHIN_MS = 5_000;

/** A killed mediasoup worker closes its rooms; members are told and can rejoin on the replacement. */
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

  it('closes the rooms of a killed worker, replaces the worker, and lets members rejoin on it', async () => {
    const meetingId = await h.createMeeting();
    const other = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    const cleo = await h.joinMember(other, 'Cleo');
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    okData(
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
    const closed = [ada, bob, cleo].map((m) => nextEvent<{ reason: string }>(m.socket, 'roomClosed'));

    process.kill(oldPid, 'SIGKILL');

    for (const event of await Promise.all(closed)) {
      expect(event).toEqual({ reason: 'media-server-restarted' });
    }
    expect(await h.memberCount()).toBe(0);
    // The membership is gone: requests need a new join.
    expect(refusalOf(await request(ada.socket, 'createTransport', { direction: 'send' }))).toBe('not-joined');

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

    // The same sockets rejoin the same meeting: a router is made on the new worker.
    const rejoinedAda = joined(okData(await request(ada.socket, 'join', { identity: TEST_IDENTITY })));
    expect(rejoinedAda.members).toEqual([]);
    expect(rejoinedAda.producers).toEqual([]);
    const bobBack = nextEvent<{ member: { memberId: string } }>(ada.socket, 'memberJoined');
    const rejoinedBob = joined(okData(await request(bob.socket, 'join', { identity: TEST_IDENTITY })));
    expect((await bobBack).member.memberId).toBe(rejoinedBob.self.memberId);
    expect(rejoinedBob.members.map((m) => m.memberId)).toEqual([rejoinedAda.self.memberId]);
    expect((await replacement.worker.dump()).routerIds).toHaveLength(1);

    // Media works on the replacement, on the same configured port.
    const transport = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    expect(transport.iceCandidates.map((c) => [c.address, c.port])).toContainEqual(['127.0.0.1', h.rtcPort]);

    // The other room can come back too, and a brand new member can join.
    joined(okData(await request(cleo.socket, 'join', { identity: TEST_IDENTITY })));
    const dan = await h.joinMember(meetingId, 'Dan');
    expect(dan.join.members.map((m) => m.memberId).sort()).toEqual(
      [rejoinedAda.self.memberId, rejoinedBob.self.memberId].sort(),
    );
    expect((await replacement.worker.dump()).routerIds).toHaveLength(2);
    expect(await h.memberCount()).toBe(4);

    const statuses = await readiness.stop();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
  }, 20_000);

  it('gives a retryable refusal, not a half-joined member, to a join that arrives before the worker is back', async () => {
    const meetingId = await h.createMeeting();
    const ada: Member = await h.joinMember(meetingId, 'Ada');
    const oldPid = h.sfu.pool.slots[0]!.worker.pid;
    const closed = nextEvent(ada.socket, 'roomClosed');
    process.kill(oldPid, 'SIGKILL');
    await closed;
    // A client rejoins as soon as it hears the room closed.
    const early = await request(ada.socket, 'join', { identity: TEST_IDENTITY });
    if (!early.ok) {
      expect(early.error.reason).toBe('sfu-unavailable');
      // One worker: every room was on it, so nobody is joined any more.
      expect(await h.memberCount()).toBe(0);
    }
    await waitFor(
      'the dead worker to be replaced',
      () => h.sfu.pool.slots[0] && h.sfu.pool.slots[0].worker.pid !== oldPid,
      REPLACED_WITHIN_MS,
    );
    if (!early.ok) {
      joined(okData(await request(ada.socket, 'join', { identity: TEST_IDENTITY })));
    }
    expect(await h.memberCount()).toBe(1);
  }, 20_000);
});
