import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@confidentiel/protocol';
import { ROOM_TOKEN_ISSUER } from '../src/startSignaling.ts';
import {
  roomKeyId,
  attemptConnect,
  metricValue,
  okData,
  request,
  roomToken,
  startHarness,
  type ConnectOptions,
  type ConnectOutcome,
  type Harness,
  TEST_IDENTITY,
  joined,
} from './support/harness.ts';

describe('Socket.IO handshake refusals', () => {
  let h: Harness;
  let meetingId: string;
  let validToken: string;

  beforeAll(async () => {
    h = await startHarness();
    meetingId = await h.createMeeting();
    validToken = await h.joinToken(meetingId);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  interface Snapshot {
    members: number;
    connections: number;
    refusals: (reason: string) => number;
  }

  async function snapshot(): Promise<Snapshot> {
    const text = await h.metrics();
    return {
      members: metricValue(text, 'confidentiel_members'),
      connections: metricValue(text, 'confidentiel_socket_connections'),
      refusals: (reason) => metricValue(text, 'confidentiel_refusals_total', { reason }),
    };
  }

  /**
   * Connects with `options`, expects a refusal, and checks that nothing was
   * joined or left open, and that the server still serves a good client.
   */
  async function expectRefused(options: ConnectOptions, reason: string): Promise<ConnectOutcome> {
    const before = await snapshot();
    const outcome = await attemptConnect(h.baseUrl, options);
    expect(outcome.kind).toBe('refused');
    if (outcome.kind === 'refused') {
      expect(outcome.message).toBe(reason);
      expect(outcome.data).toMatchObject({ reason });
    }
    const after = await snapshot();
    expect(after.members).toBe(before.members);
    expect(after.connections).toBe(before.connections);
    expect(after.refusals(reason)).toBe(before.refusals(reason) + 1);
    return outcome;
  }

  function auth(token: unknown, extra: Record<string, unknown> = {}): ConnectOptions {
    return { auth: { token, protocolVersion: PROTOCOL_VERSION, ...extra } };
  }

  function signRaw(payload: Record<string, unknown>, options: jwt.SignOptions = {}): string {
    return jwt.sign(payload, Buffer.from(h.tokenSecret, 'hex'), {
      algorithm: 'HS256',
      keyid: roomKeyId(Buffer.from(h.tokenSecret, 'hex')),
      issuer: ROOM_TOKEN_ISSUER,
      audience: 'room',
      subject: randomBytes(12).toString('base64url'),
      jwtid: randomUUID(),
      ...options,
    });
  }

  it('accepts a valid token and protocol version (the baseline the refusals are measured against)', async () => {
    const outcome = await attemptConnect(h.baseUrl, auth(validToken));
    expect(outcome.kind).toBe('connected');
    outcome.socket.close();
  });

  it('refuses a connection without any auth', async () => {
    await expectRefused({}, 'unauthorized');
  });

  it('refuses garbage tokens cleanly', async () => {
    await expectRefused(auth('123'), 'unauthorized');
    await expectRefused(auth(''), 'unauthorized');
    await expectRefused(auth(12345), 'unauthorized');
    await expectRefused(auth({ token: validToken }), 'unauthorized');
    await expectRefused(auth('a.b.c'), 'unauthorized');
    await expectRefused(auth('x'.repeat(5_000)), 'unauthorized');
  });

  it('refuses a 1 MB token at the transport (over the message cap) without joining anyone', async () => {
    const before = await snapshot();
    const outcome = await attemptConnect(h.baseUrl, auth('x'.repeat(1024 * 1024)));
    // The CONNECT packet is over the 64 KB cap, so the transport is closed before
    // authentication runs; a connect_error saying unauthorized would do as well.
    if (outcome.kind === 'refused') {
      expect(outcome.message).toBe('unauthorized');
    } else {
      expect(outcome).toMatchObject({ kind: 'closed', reason: 'transport close' });
    }
    const after = await snapshot();
    expect(after.members).toBe(before.members);
    expect(after.connections).toBe(before.connections);
  });

  it('refuses a token in the wrong field, in the query string, or with unknown handshake fields', async () => {
    await expectRefused({ auth: { jwt: validToken, protocolVersion: PROTOCOL_VERSION } }, 'unauthorized');
    await expectRefused(
      { auth: { protocolVersion: PROTOCOL_VERSION }, query: { token: validToken } },
      'unauthorized',
    );
    await expectRefused(auth(validToken, { admin: true }), 'unauthorized');
  });

  it('refuses an expired token with token-expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signRaw({
      typ: 'room',
      room: meetingId,
      name: 'Old',
      iat: now - 600,
      nbf: now - 600,
      exp: now - 60,
    });
    await expectRefused(auth(expired), 'token-expired');
  });

  it('refuses a token without exp, with alg none, or signed with another key', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      auth(signRaw({ typ: 'room', room: meetingId, name: 'NoExp', iat: now })),
      'unauthorized',
    );
    const unsigned = jwt.sign({ typ: 'room', room: meetingId, name: 'None', exp: now + 60 }, '', {
      algorithm: 'none',
      keyid: roomKeyId(Buffer.from(h.tokenSecret, 'hex')),
      issuer: ROOM_TOKEN_ISSUER,
      audience: 'room',
      subject: 'member-none-1',
      jwtid: randomUUID(),
    });
    await expectRefused(auth(unsigned), 'unauthorized');
    const forged = jwt.sign(
      { typ: 'room', room: meetingId, name: 'Forged', exp: now + 60 },
      randomBytes(32),
      {
        algorithm: 'HS256',
        keyid: roomKeyId(Buffer.from(h.tokenSecret, 'hex')),
        issuer: ROOM_TOKEN_ISSUER,
        audience: 'room',
        subject: 'member-forged-1',
        jwtid: randomUUID(),
      },
    );
    await expectRefused(auth(forged), 'unauthorized');
  });

  it('refuses a token of the wrong audience, type or issuer', async () => {
    // Signed with the room key but meant for the SFU control channel.
    await expectRefused(
      auth(roomToken(h.roomTokens, { room: meetingId }, { audience: 'sfu-control', typ: 'sfu-control' })),
      'unauthorized',
    );
    await expectRefused(
      auth(roomToken(h.roomTokens, { room: meetingId }, { typ: 'sfu-control' })),
      'unauthorized',
    );
    // A real SFU control token (other key, issuer and audience).
    await expectRefused(auth(h.controlToken()), 'unauthorized');
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      auth(signRaw({ typ: 'room', room: meetingId, name: 'Iss', exp: now + 60 }, { issuer: 'someone-else' })),
      'unauthorized',
    );
  });

  it('refuses a validly signed token whose claims are malformed', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(auth(signRaw({ typ: 'room', name: 'NoRoom', exp: now + 60 })), 'unauthorized');
    await expectRefused(
      auth(signRaw({ typ: 'room', room: '../x', name: 'BadRoom', exp: now + 60 })),
      'unauthorized',
    );
    await expectRefused(
      auth(signRaw({ typ: 'room', room: meetingId, name: 'a\u0000b', exp: now + 60 })),
      'unauthorized',
    );
  });

  it('refuses another protocol version with protocol-mismatch', async () => {
    await expectRefused(auth(validToken, { protocolVersion: PROTOCOL_VERSION + 1 }), 'protocol-mismatch');
    await expectRefused(auth(validToken, { protocolVersion: 0 }), 'protocol-mismatch');
    // A version of the wrong type is a malformed handshake.
    await expectRefused(auth(validToken, { protocolVersion: String(PROTOCOL_VERSION) }), 'unauthorized');
  });

  it('refuses a forged Origin or none before the handshake', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:1235', 'null', null]) {
      const before = await snapshot();
      const outcome = await attemptConnect(h.baseUrl, { ...auth(validToken), origin });
      expect(outcome.kind, `origin ${String(origin)}`).toBe('refused');
      const after = await snapshot();
      expect(after.refusals('bad-origin')).toBe(before.refusals('bad-origin') + 1);
      expect(after.members).toBe(before.members);
      expect(after.connections).toBe(before.connections);
    }
  });

  it('still lets a valid member connect and join after all the refusals', async () => {
    const before = await h.memberCount();
    const socket = await h.connect(validToken);
    joined(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
    expect(await h.memberCount()).toBe(before + 1);
    socket.close();
  });
});
