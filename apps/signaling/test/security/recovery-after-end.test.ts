import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  okData,
  recordEvents,
  request,
  sleep,
  startHarness,
  TEST_IDENTITY,
  waitFor,
  type ClientSocket,
  type Harness,
} from '../support/harness.ts';
import {
  arrive,
  CIPHERTEXT,
  connectRecoverable,
  issueToken,
  nextConnectOutcome,
  organiserMeeting,
} from './support.ts';

describe('recovery of a session that is over', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  function drop(socket: ClientSocket, ms: number) {
    socket.io.reconnectionDelay(ms);
    socket.io.reconnectionDelayMax(ms);
    socket.io.engine.close();
  }

  it(
    'a member removed while disconnected gets no room event after recovering',
    { timeout: 30_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const host = await arrive(h, { room, name: 'Host', role: 'host' });
      const token = issueToken(h.roomTokens, { room, name: 'Bob' });
      const socket = await connectRecoverable(h.baseUrl, token.token, { reconnectionDelayMs: 200 });
      const events = recordEvents(socket);
      okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
      const other = await arrive(h, { room, name: 'Other' });
      await waitFor('event', () => (events.get('memberJoined') ?? []).length > 0);
      const outcome = nextConnectOutcome(socket, 10_000);
      drop(socket, 1_500);
      await sleep(300);
      okData(await request(host.socket, 'removeMember', { memberId: token.memberId }));
      const o = await outcome;
      events.clear();
      await sleep(300);
      const late = await arrive(h, { room, name: 'Late' });
      okData(await request(other.socket, 'sendChat', { ciphertext: CIPHERTEXT }));
      await sleep(500);
      expect(o.kind === 'refused' || !socket.connected).toBe(true);
      expect([...events.keys()].filter((e) => e !== 'roomClosed')).toEqual([]);
      socket.close();
      late.socket.close();
    },
  );

  it(
    'a member whose token expired within the clock tolerance does not recover into the room',
    { timeout: 30_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const token = issueToken(h.roomTokens, { room, name: 'Bob' }, { ttlSeconds: 2 });
      const socket = await connectRecoverable(h.baseUrl, token.token, { reconnectionDelayMs: 200 });
      const events = recordEvents(socket);
      okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
      const other = await arrive(h, { room, name: 'Other' });
      await waitFor('event', () => (events.get('memberJoined') ?? []).length > 0);
      const delay = token.expiresAt * 1000 + 1500 - Date.now();
      const outcome = nextConnectOutcome(socket, delay + 5000);
      drop(socket, delay);
      // Refused (expired token) or recovered then sent away: either way nothing of the room.
      expect(['refused', 'connected']).toContain((await outcome).kind);
      events.clear();
      await sleep(300);
      const late = await arrive(h, { room, name: 'Late' });
      okData(await request(other.socket, 'sendChat', { ciphertext: CIPHERTEXT }));
      await sleep(500);
      expect([...events.keys()].filter((e) => e !== 'roomClosed')).toEqual([]);
      socket.close();
      late.socket.close();
    },
  );

  it('a member who received no event before the drop recovers', async () => {
    const room = await organiserMeeting(h, true);
    const other = await arrive(h, { room, name: 'Other' });
    other.events.clear();
    const token = issueToken(h.roomTokens, { room, name: 'Bob' });
    const socket = await connectRecoverable(h.baseUrl, token.token, { reconnectionDelayMs: 200 });
    okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
    const outcome = nextConnectOutcome(socket, 5000);
    drop(socket, 200);
    const o = await outcome;
    await sleep(300);
    expect(o).toEqual({ kind: 'connected', recovered: true });
    // The others never saw the member leave.
    expect(other.events.get('memberLeft')).toBeUndefined();
    socket.close();
    other.socket.close();
  });
});
