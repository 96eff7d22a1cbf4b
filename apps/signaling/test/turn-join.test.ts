/**
 * TURN credentials end to end without a browser: signaling (real, with a real
 * SFU) hands each member its own TURN REST credential at join, and a real
 * coturn (Debian's, configured by infra/coturn's template) on loopback accepts
 * it for an allocation, while it refuses the same user with an expired or
 * forged credential.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, roomRequests, type Joined } from '@confidentiel/protocol';
import { restCredential, startCoturn, TurnClient, type RunningCoturn } from '../../../tests/support/turn.ts';
import { loadSignalingConfig } from '../src/config.ts';
import { startSignaling, type RunningSignaling } from '../src/startSignaling.ts';
import {
  attemptConnect,
  captureLogger,
  freeUdpTcpPort,
  okData,
  ORIGIN,
  request,
  startHarness,
  startTestSfu,
  TEST_IDENTITY,
  type ClientSocket,
  type SfuHarness,
  joined,
} from './support/harness.ts';

type JoinAnswer = Joined;

const TTL = 900;

describe('TURN credentials at join', () => {
  const turnSecret = randomBytes(32).toString('hex');
  let sfu: SfuHarness;
  let signaling: RunningSignaling;
  let coturn: RunningCoturn;
  let turnPort: number;
  let dir: string;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'confidentiel-turn-'));
    turnPort = await freeUdpTcpPort();
    coturn = await startCoturn({
      dir,
      secret: turnSecret,
      listeningIp: '127.0.0.1',
      relayIp: '127.0.0.1',
      port: turnPort,
      tlsPort: await freeUdpTcpPort(),
    });
    sfu = await startTestSfu();
    signaling = await startSignaling(
      loadSignalingConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        ALLOWED_ORIGINS: ORIGIN,
        SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
        SFU_CONTROL_SECRET: sfu.secret,
        LOG_LEVEL: 'debug',
        TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp,turn:127.0.0.1:${turnPort}?transport=tcp`,
        TURN_SECRET: turnSecret,
        TURN_CREDENTIAL_TTL: String(TTL),
        ICE_TRANSPORT_POLICY: 'relay',
        ALLOW_OPEN_MEETINGS: 'true',
        DATABASE_PATH: ':memory:',
      }),
      { logger: captureLogger('signaling').logger },
    );
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) {
      socket.close();
    }
    await signaling?.close();
    await sfu?.close();
    await coturn?.stop();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  async function joinMeeting(meetingId: string, displayName: string): Promise<JoinAnswer> {
    const res = await fetch(`${signaling.url}/api/meetings/${meetingId}/join-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName }),
    });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    const outcome = await attemptConnect(signaling.url, {
      auth: { token, protocolVersion: PROTOCOL_VERSION },
    });
    sockets.push(outcome.socket);
    if (outcome.kind !== 'connected') {
      throw new Error(`connection ${outcome.kind}`);
    }
    return joined(okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY })));
  }

  async function createMeeting(): Promise<string> {
    const res = await fetch(`${signaling.url}/api/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { meetingId: string }).meetingId;
  }

  it('gives each member its own credential for the configured URLs, valid TTL seconds, with the relay policy', async () => {
    const meetingId = await createMeeting();
    const before = Math.floor(Date.now() / 1000);
    const ada = await joinMeeting(meetingId, 'Ada');
    const bob = await joinMeeting(meetingId, 'Bob');
    const after = Math.floor(Date.now() / 1000);

    for (const answer of [ada, bob]) {
      // What went over the wire is what the protocol allows.
      expect(roomRequests.join.response.safeParse(answer).success).toBe(true);
      expect(answer.iceTransportPolicy).toBe('relay');
      expect(answer.iceServers).toHaveLength(1);
      const [server] = answer.iceServers;
      expect(server!.urls).toEqual([
        `turn:127.0.0.1:${turnPort}?transport=udp`,
        `turn:127.0.0.1:${turnPort}?transport=tcp`,
      ]);
      const [expiry, memberId, ...rest] = server!.username!.split(':');
      expect(rest).toEqual([]);
      expect(memberId).toBe(answer.self.memberId);
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + TTL);
      expect(Number(expiry)).toBeLessThanOrEqual(after + TTL);
      expect(server!.credential).toBe(
        createHmac('sha1', turnSecret).update(server!.username!).digest('base64'),
      );
    }
    expect(ada.iceServers[0]!.username).not.toBe(bob.iceServers[0]!.username);
  });

  it('issues a credential the real TURN server accepts for an allocation', async () => {
    const answer = await joinMeeting(await createMeeting(), 'Ada');
    const { username, credential } = answer.iceServers[0]!;
    const client = await TurnClient.open('127.0.0.1', turnPort, '127.0.0.1');
    try {
      const { challenge, answer: allocated } = await client.allocate(username!, credential!);
      expect(challenge.code).toBe(401);
      expect(allocated, JSON.stringify(allocated)).toMatchObject({ kind: 'success' });
      expect(allocated.relayed?.address).toBe('127.0.0.1');
      // The template denies relaying to loopback, even to a holder of a valid credential.
      expect(await client.createPermission('127.0.0.1')).toMatchObject({ kind: 'error', code: 403 });
      expect(await client.refresh(0)).toMatchObject({ kind: 'success' });
    } finally {
      client.close();
    }
  });

  it('is refused by the TURN server once expired, or when forged with another secret', async () => {
    const answer = await joinMeeting(await createMeeting(), 'Ada');
    const memberId = answer.self.memberId;
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      ['expired', restCredential(turnSecret, memberId, now - 5)],
      ['other secret', restCredential(randomBytes(32).toString('hex'), memberId, now + TTL)],
      ['expiry moved', { ...answer.iceServers[0]!, username: `${now + 86_400}:${memberId}` }],
    ] as const;
    for (const [what, { username, credential }] of cases) {
      const client = await TurnClient.open('127.0.0.1', turnPort, '127.0.0.1');
      try {
        const { answer: refused } = await client.allocate(username, credential!);
        expect(refused, `${what}: ${JSON.stringify(refused)}`).toMatchObject({ kind: 'error', code: 401 });
      } finally {
        client.close();
      }
    }
  });
});

describe('no TURN configured', () => {
  it('joins with no ICE server at all and the default policy', async () => {
    const h = await startHarness();
    try {
      const member = await h.joinMember(await h.createMeeting());
      expect(member.join.iceServers).toEqual([]);
      expect(member.join.iceTransportPolicy).toBe('all');
      // No STUN or TURN URL anywhere in the answer.
      expect(JSON.stringify(member.join)).not.toMatch(/stun:|turns?:/);
    } finally {
      await h.close();
    }
  }, 30_000);
});
