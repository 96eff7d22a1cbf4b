/**
 * A real session (real signaling, real SFU) moves its meeting's status: a person waiting in the
 * lobby does not open it, a host's arrival does, a host's end ends it, a host reopens it, and the
 * last departure ends it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '../../src/meetings/MeetingStore.ts';
import { okData, request, sleep, startHarness, waitFor, type Harness } from '../support/harness.ts';
import { arrive, disconnected, organiserMeeting } from '../security/support.ts';

const OWNER = 'account-owner-0001';

describe('a meeting status follows its real room', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  const meetingOf = async (room: string): Promise<Meeting> =>
    (await h.signaling.meetings.getOwned(OWNER, room))!;
  const statusBecomes = (room: string, status: Meeting['status']): Promise<Meeting> =>
    waitFor(`status ${status}`, async () => {
      const meeting = await meetingOf(room);
      return meeting.status === status ? meeting : undefined;
    });

  it('opens at the first entry into the room, ends with the host, reopens, and ends when the room empties', async () => {
    const room = await organiserMeeting(h, false);
    const before = Date.now();

    // Waiting for a host, in the lobby: the meeting is not under way yet.
    const early = await arrive(h, { room, name: 'Bob' });
    expect(early.answer.status).toBe('waiting');
    await sleep(200);
    expect(await meetingOf(room)).toMatchObject({ status: 'scheduled', lastSession: null });

    const host = await arrive(h, { room, name: 'Présidente', role: 'host' });
    expect(host.answer.status).toBe('joined');
    const live = await statusBecomes(room, 'live');
    expect(live.lastSession?.startedAt).toBeGreaterThanOrEqual(before);
    expect(live.lastSession?.endedAt).toBeNull();
    // The host's arrival lets Bob in: both in the room before the end.
    await waitFor('Bob admitted', async () => (await h.memberCount()) === 2);

    okData(await request(host.socket, 'endMeeting', {}));
    const ended = await statusBecomes(room, 'ended');
    expect(ended.lastSession).toEqual({
      startedAt: live.lastSession!.startedAt,
      endedAt: expect.any(Number),
    });
    expect(ended.lastSession!.endedAt).toBeGreaterThanOrEqual(ended.lastSession!.startedAt);
    expect(await disconnected(host.socket)).toBe(true);
    expect(await disconnected(early.socket)).toBe(true);

    // A host comes back: a new session.
    const again = await arrive(h, { room, name: 'Présidente', role: 'host' });
    const reopened = await statusBecomes(room, 'live');
    expect(reopened.lastSession!.startedAt).toBeGreaterThanOrEqual(ended.lastSession!.endedAt!);

    const guest = await arrive(h, { room, name: 'Carol' });
    expect(guest.answer.status).toBe('joined');
    // One of two leaves: still under way.
    okData(await request(guest.socket, 'leave', {}));
    await sleep(200);
    expect((await meetingOf(room)).status).toBe('live');
    // The last one goes (a dropped connection): ended.
    again.socket.close();
    const emptied = await statusBecomes(room, 'ended');
    expect(emptied.lastSession!.startedAt).toBe(reopened.lastSession!.startedAt);
  });

  it('keeps a cancelled meeting cancelled: nobody opens it', async () => {
    const room = await organiserMeeting(h, true);
    await h.signaling.meetings.cancel(OWNER, room);
    const host = await arrive(h, { room, name: 'Présidente', role: 'host' }).catch(() => undefined);
    expect(host?.answer.status === 'joined').toBe(false);
    expect(await meetingOf(room)).toMatchObject({ status: 'cancelled', lastSession: null });
  });
});
