import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinedSchema, PROTOCOL_VERSION, roomEvents } from '@confidentiel/protocol';
import {
  nextEvent,
  okData,
  opusRtpParameters,
  refusalOf,
  request,
  sleep,
  startHarness,
  TEST_IDENTITY,
  waitFor,
  type Harness,
} from '../support/harness.ts';
import {
  arrive,
  decodeToken,
  disconnected,
  issueToken,
  organiserMeeting,
  seen,
  type Person,
  settledMemberCount,
} from './support.ts';

/** The longest a room token may live (JOIN_TOKEN_TTL is capped at 10 minutes). */
const MAX_TOKEN_LIFETIME_S = 600;
/** Lifetime of the short tokens these tests let expire. */
const SHORT_TTL_S = 3;

/** Checklist 2 and 6: room tokens live minutes, are refreshed over the live socket, and end the session when they expire. */
describe('room token lifetime', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  function close(...people: Person[]): void {
    for (const person of people) {
      person.socket.close();
    }
  }

  /** Milliseconds until a token of `expiresAt` (seconds) has expired, plus a margin. */
  function untilExpired(expiresAt: number, marginMs = 0): number {
    return Math.max(0, expiresAt * 1000 - Date.now()) + marginMs;
  }

  it('refreshes a token: new jti, same member, exp within 10 minutes, and the new token connects and joins', async () => {
    const room = await organiserMeeting(h, true);
    const ada = await arrive(h, { room, name: 'Ada' });
    const issuedAt = Math.floor(Date.now() / 1000);

    const refreshed = okData(await request(ada.socket, 'refreshToken', {}));
    const claims = decodeToken(refreshed.token);
    const old = decodeToken(ada.token.token);
    expect(claims.sub).toBe(ada.memberId);
    expect(claims.jti).not.toBe(old.jti);
    expect(claims).toMatchObject({ room, name: 'Ada', role: 'participant', lobby: false, typ: 'room' });
    expect(claims.exp).toBe(refreshed.expiresAt);
    expect(refreshed.expiresAt - issuedAt).toBeGreaterThan(0);
    expect(refreshed.expiresAt - issuedAt).toBeLessThanOrEqual(MAX_TOKEN_LIFETIME_S + 1);

    // The new token is the same member: it replaces the old connection.
    const before = await settledMemberCount(h);
    const again = await h.connect(refreshed.token);
    const answer = joinedSchema.parse(okData(await request(again, 'join', { identity: TEST_IDENTITY })));
    expect(answer.self.memberId).toBe(ada.memberId);
    expect(await disconnected(ada.socket)).toBe(true);
    expect(await h.memberCount()).toBe(before);
    again.close();
  });

  it('refuses refreshToken before join with not-joined', async () => {
    const room = await organiserMeeting(h, true);
    const socket = await h.connect(issueToken(h.roomTokens, { room }).token);
    expect(refusalOf(await request(socket, 'refreshToken', {}))).toBe('not-joined');
    socket.close();
  });

  it('refreshes a token with the role the member has now, after a promotion', async () => {
    const room = await organiserMeeting(h, true);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const ada = await arrive(h, { room, name: 'Ada' });
    okData(await request(host.socket, 'setMemberRole', { memberId: ada.memberId, role: 'co-host' }));

    const refreshed = okData(await request(ada.socket, 'refreshToken', {}));
    expect(decodeToken(refreshed.token)).toMatchObject({ sub: ada.memberId, role: 'co-host' });
    close(host, ada);
  });

  it(
    'ends a session whose token expires without a refresh: roomClosed token-expired, and the member is gone',
    { timeout: 20_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const ada = await arrive(h, { room, name: 'Ada' });
      const before = await settledMemberCount(h);
      const bob = await arrive(h, { room, name: 'Bob' }, { ttlSeconds: SHORT_TTL_S });
      expect(bob.answer.status).toBe('joined');
      expect(await h.memberCount()).toBe(before + 1);
      const closed = nextEvent(bob.socket, 'roomClosed', untilExpired(bob.token.expiresAt, 3_000));
      const left = nextEvent(ada.socket, 'memberLeft', untilExpired(bob.token.expiresAt, 3_000));

      expect(await closed).toEqual({ reason: 'token-expired' });
      // Not before the token's own expiry.
      expect(Date.now()).toBeGreaterThanOrEqual(bob.token.expiresAt * 1000 - 50);
      expect(await left).toEqual({ memberId: bob.memberId });
      expect(await disconnected(bob.socket)).toBe(true);
      expect(await h.memberCount()).toBe(before);
      close(ada);
    },
  );

  it(
    'keeps a session whose token was refreshed past the first token expiry',
    { timeout: 20_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const ada = await arrive(h, { room, name: 'Ada' });
      const bob = await arrive(h, { room, name: 'Bob' }, { ttlSeconds: SHORT_TTL_S });
      okData(await request(bob.socket, 'refreshToken', {}));

      await sleep(untilExpired(bob.token.expiresAt, 1_500));
      expect(seen(bob, 'roomClosed')).toEqual([]);
      expect(seen(ada, 'memberLeft')).toEqual([]);
      expect(bob.socket.connected).toBe(true);
      // Still a member: a request that needs admission succeeds.
      okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
      close(ada, bob);
    },
  );

  it('takes a waiting guest out of the lobby when their token expires', { timeout: 20_000 }, async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const guest = await arrive(h, { room, name: 'Client', lobby: true }, { ttlSeconds: SHORT_TTL_S });
    expect(guest.answer.status).toBe('waiting');
    await waitFor('the host to see the guest waiting', () => seen(host, 'lobbyChanged').length >= 2);

    expect(await nextEvent(guest.socket, 'roomClosed', untilExpired(guest.token.expiresAt, 3_000))).toEqual({
      reason: 'token-expired',
    });
    await waitFor('the lobby to be empty', () => {
      const all = seen(host, 'lobbyChanged');
      return roomEvents.lobbyChanged.parse(all[all.length - 1]).waiting.length === 0;
    });
    // An expired guest cannot be admitted any more.
    expect(refusalOf(await request(host.socket, 'admit', { memberIds: [guest.memberId] }))).toBe('not-found');
    close(host);
  });

  it('refuses produce from a member whose token says observer, on the server', async () => {
    const room = await organiserMeeting(h, true);
    const observer = await arrive(h, { room, name: 'Watcher', role: 'observer' });
    expect(joinedSchema.parse(observer.answer).self.role).toBe('observer');
    const transportId = okData(await request(observer.socket, 'createTransport', { direction: 'send' })).id;
    const producersBefore = h.media.producers.size;
    const ack = await request(observer.socket, 'produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'microphone',
    });
    expect(refusalOf(ack)).toBe('forbidden');
    expect(h.media.producers.size).toBe(producersBefore);
    // Receiving is what an observer is for.
    okData(await request(observer.socket, 'createTransport', { direction: 'recv' }));
    close(observer);
  });

  it('takes the member from the handshake auth only, never from a token in the query string', async () => {
    const room = await organiserMeeting(h, true);
    const participant = issueToken(h.roomTokens, { room, name: 'Ada' });
    const host = issueToken(h.roomTokens, { room, name: 'Host', role: 'host' });
    // handshake.test.ts shows a query-string token alone is refused; here one rides along with a valid auth.
    const socket = await h.connect(participant.token, {
      query: { token: host.token },
      auth: { token: participant.token, protocolVersion: PROTOCOL_VERSION },
    });
    const answer = joinedSchema.parse(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
    expect(answer.self).toMatchObject({ memberId: participant.memberId, role: 'participant' });
    expect(refusalOf(await request(socket, 'setRoomLocked', { locked: true }))).toBe('forbidden');
    socket.close();
  });
});
