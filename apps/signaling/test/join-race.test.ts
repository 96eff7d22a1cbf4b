import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startHarness, waitFor, type Harness, TEST_IDENTITY } from './support/harness.ts';

/** Races around join, in their own file. */
describe('join races', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  it('leaves no router behind when the only joiner disconnects while its join is in flight', async () => {
    const worker = h.sfu.pool.slots[0]!.worker;
    const before = {
      rooms: h.sfu.registry.size,
      routers: (await worker.dump()).routerIds.length,
      members: await h.memberCount(),
    };

    for (let attempt = 0; attempt < 3; attempt++) {
      const meetingId = await h.createMeeting();
      const socket = await h.connect(await h.joinToken(meetingId, 'Quitter'));
      // Drop the connection the moment the SFU makes the room's router, i.e. while
      // signaling waits for getRouterRtpCapabilities.
      const onRouter = (): void => {
        worker.observer.off('newrouter', onRouter);
        socket.disconnect();
      };
      worker.observer.on('newrouter', onRouter);
      socket.emit('join', { identity: TEST_IDENTITY }, () => undefined);
      await waitFor('the socket to be dropped', () => socket.disconnected);
      worker.observer.off('newrouter', onRouter);
    }

    expect(await h.memberCount()).toBe(before.members);
    // Give signaling time to clean up, then look.
    await sleep(500);
    expect(h.sfu.registry.size).toBe(before.rooms);
    expect((await worker.dump()).routerIds).toHaveLength(before.routers);
  });
});
