import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_S } from '@confidentiel/tokens';
import { joinedSchema } from '@confidentiel/protocol';
import { RECOVERY_WINDOW_MS } from '../../src/socket/RoomGateway.ts';
import {
  nextEvent,
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
  seen,
  settledMemberCount,
  type IssuedToken,
  type Person,
} from './support.ts';

/** A quick reconnection: well inside the recovery window. */
const QUICK_RECONNECT_MS = 200;

/**
 * Checklist 13: Socket.IO connection-state recovery keeps a member whose
 * transport dropped for a moment, and re-checks the token when it comes back.
 */
describe('connection-state recovery', () => {
  let h: Harness;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    for (const socket of sockets) {
      socket.close();
    }
    await h?.close();
  });

  interface Recoverable {
    token: IssuedToken;
    socket: ClientSocket;
    events: Map<string, unknown[]>;
  }

  /**
   * Joins with a browser-like socket, then makes sure it has received one
   * event (Socket.IO recovers from the offset of the last event received).
   */
  async function joinRecoverable(
    room: string,
    ttlSeconds = 60,
  ): Promise<{ member: Recoverable; other: Person }> {
    const token = issueToken(h.roomTokens, { room, name: 'Roaming' }, { ttlSeconds });
    const socket = await connectRecoverable(h.baseUrl, token.token, {
      reconnectionDelayMs: QUICK_RECONNECT_MS,
    });
    sockets.push(socket);
    const events = recordEvents(socket);
    joinedSchema.parse(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
    const other = await arrive(h, { room, name: 'Other' });
    await waitFor(
      'the roaming member to see the other join',
      () => (events.get('memberJoined') ?? []).length > 0,
    );
    return { member: { token, socket, events }, other };
  }

  /** Closes the engine's transport the way a network drop would; the client will reconnect. */
  function dropTransport(socket: ClientSocket, reconnectAfterMs: number): void {
    socket.io.reconnectionDelay(reconnectAfterMs);
    socket.io.reconnectionDelayMax(reconnectAfterMs);
    socket.io.engine.close();
  }

  it('recovers a member whose transport dropped: still in the room, and nobody saw them leave', async () => {
    const room = await organiserMeeting(h, true);
    const { member, other } = await joinRecoverable(room);
    const before = await settledMemberCount(h);

    const outcome = nextConnectOutcome(member.socket, 5_000);
    dropTransport(member.socket, QUICK_RECONNECT_MS);
    expect(await outcome).toEqual({ kind: 'connected', recovered: true });

    expect(await h.memberCount()).toBe(before);
    // Still admitted: a request that needs admission succeeds, and room events reach it again.
    okData(await request(member.socket, 'createTransport', { direction: 'recv' }));
    const chat = nextEvent(member.socket, 'chatMessage');
    okData(await request(other.socket, 'sendChat', { ciphertext: CIPHERTEXT }));
    expect(await chat).toMatchObject({ from: other.memberId, ciphertext: CIPHERTEXT });
    await sleep(300);
    expect(seen(other, 'memberLeft')).toEqual([]);
    expect(member.events.get('roomClosed')).toBeUndefined();
    member.socket.close();
    other.socket.close();
  });

  it(
    'refuses the recovery of a member whose token expired meanwhile (token-expired) and removes the member',
    { timeout: 30_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const { member, other } = await joinRecoverable(room, 3);
      const before = await settledMemberCount(h);
      // Come back once the token is past its expiry and the verifier's clock tolerance, inside the recovery window.
      const comeBackAt = member.token.expiresAt * 1000 + CLOCK_TOLERANCE_S * 1000 + 1_500;
      const delay = comeBackAt - Date.now();
      expect(delay).toBeLessThan(RECOVERY_WINDOW_MS - 2_000);
      const left = nextEvent(other.socket, 'memberLeft', delay + 5_000);

      const outcome = nextConnectOutcome(member.socket, delay + 5_000);
      dropTransport(member.socket, delay);
      expect(await outcome).toEqual({ kind: 'refused', message: 'token-expired' });
      expect(await left).toEqual({ memberId: member.token.memberId });
      expect(member.socket.connected).toBe(false);
      expect(await h.memberCount()).toBe(before - 1);
      member.socket.close();
      other.socket.close();
    },
  );
});
