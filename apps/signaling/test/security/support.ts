/**
 * Helpers of the security integration tests (lobby, roles, moderation,
 * tokens, recovery, floods), on top of the shared harness: crafted room
 * tokens with any role or lobby flag, members that know their id before
 * joining, media producers, sockets that reconnect, and a signaling server
 * with its own token secrets next to a test SFU.
 */
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { expect } from 'vitest';
import {
  PROTOCOL_VERSION,
  type MemberRole,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { loadSignalingConfig } from '../../src/config.ts';
import { startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import { ROOM_AUDIENCE, ROOM_TOKEN_TYPE } from '../../src/socket/authenticate.ts';
import {
  captureLogger,
  okData,
  opusRtpParameters,
  ORIGIN,
  recordEvents,
  request,
  sleep,
  TEST_IDENTITY,
  WAIT_MS,
  waitFor,
  type CapturedLogger,
  type ClientSocket,
  type Harness,
  type SfuHarness,
} from '../support/harness.ts';

/** The claims of a room token, as organiser routes would issue them. */
export interface RoomClaims {
  room: string;
  name?: string;
  role?: MemberRole;
  lobby?: boolean;
  invite?: string;
}

export interface IssuedToken {
  token: string;
  /** The token's `sub`: the member id signaling gives this person. */
  memberId: string;
  jti: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** Signs a room token with any role, lobby flag and lifetime (60 s unless told). */
export function issueToken(
  tokens: TokenService,
  claims: RoomClaims,
  options: { ttlSeconds?: number; memberId?: string } = {},
): IssuedToken {
  const memberId = options.memberId ?? randomBytes(12).toString('base64url');
  const { token, jti, expiresAt } = tokens.issue({
    audience: ROOM_AUDIENCE,
    typ: ROOM_TOKEN_TYPE,
    subject: memberId,
    ttlSeconds: options.ttlSeconds ?? 60,
    claims: { name: 'Guest', role: 'participant', lobby: false, ...claims },
  });
  return { token, memberId, jti, expiresAt };
}

/** The payload of a token (no verification: the test reads what signaling issued). */
export function decodeToken(token: string): jwt.JwtPayload & { kid: string | undefined } {
  const decoded = jwt.decode(token, { complete: true });
  if (decoded === null || typeof decoded.payload === 'string') {
    throw new Error('not a JWT');
  }
  return { ...decoded.payload, kid: decoded.header.kid };
}

/** A meeting made by an organiser, early entry off unless told: guests wait for a host. */
export async function organiserMeeting(h: Harness, allowEarlyEntry = false): Promise<string> {
  const meeting = await h.signaling.meetings.createForOrganiser('account-owner-0001', {
    title: 'Consultation',
    kind: 'consultation',
    startsAt: Date.now(),
    allowEarlyEntry,
  });
  return meeting.id;
}

type JoinAnswer = ResponseOf<typeof roomRequests, 'join'>;

/** Someone connected with a crafted token who asked to join (in the room or in the lobby). */
export interface Person {
  memberId: string;
  token: IssuedToken;
  socket: ClientSocket;
  events: Map<string, unknown[]>;
  answer: JoinAnswer;
}

/** Connects with a crafted token and joins; the answer may be `joined` or `waiting`. */
export async function arrive(
  h: Harness,
  claims: RoomClaims,
  options: { ttlSeconds?: number; memberId?: string } = {},
): Promise<Person> {
  const token = issueToken(h.roomTokens, claims, options);
  const socket = await h.connect(token.token);
  const events = recordEvents(socket);
  const answer = okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
  return { memberId: token.memberId, token, socket, events, answer };
}

/** How many times a socket received `event` so far. */
export function seen(person: { events: Map<string, unknown[]> }, event: string): unknown[] {
  return person.events.get(event) ?? [];
}

/** Waits `ms` then checks that none of `people` received any of `events` (a bounded negative). */
export async function expectNoEvents(
  people: readonly { events: Map<string, unknown[]> }[],
  events: readonly string[],
  ms = 300,
): Promise<void> {
  await sleep(ms);
  for (const person of people) {
    for (const event of events) {
      expect(seen(person, event), event).toEqual([]);
    }
  }
}

/**
 * Waits until the member count holds still (the members an earlier test
 * closed have left), so that a test's own before/after counts mean something.
 */
export async function settledMemberCount(h: Harness): Promise<number> {
  let settled = -1;
  await waitFor(
    'the member count to settle',
    async () => {
      const first = await h.memberCount();
      await sleep(150);
      settled = await h.memberCount();
      return first === settled;
    },
    WAIT_MS,
    0,
  );
  return settled;
}

/** RTP parameters of a VP8 camera, as a browser would send them. */
export function vp8RtpParameters(ssrc = 22222222) {
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        parameters: {},
        rtcpFeedback: [{ type: 'nack' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }],
      },
    ],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: 'harness', reducedSize: true },
  };
}

/** Opens a send transport and publishes a microphone and, if asked, a camera. */
export async function publish(
  socket: ClientSocket,
  options: { camera?: boolean; ssrc?: number } = {},
): Promise<{ transportId: string; microphone: string; camera?: string }> {
  const ssrc = options.ssrc ?? 10_000_000 + Math.floor(Math.random() * 1_000_000);
  const transportId = okData(await request(socket, 'createTransport', { direction: 'send' })).id;
  const microphone = okData(
    await request(socket, 'produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(ssrc),
      source: 'microphone',
    }),
  ).producerId;
  if (!options.camera) {
    return { transportId, microphone };
  }
  const camera = okData(
    await request(socket, 'produce', {
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(ssrc + 1),
      source: 'camera',
    }),
  ).producerId;
  return { transportId, microphone, camera };
}

/** A well-formed sealed envelope / chat ciphertext (signaling treats them as opaque). */
export const ENVELOPE = 'E'.repeat(120);
export const CIPHERTEXT = 'C'.repeat(120);

/** Whether a socket ends up disconnected within `timeoutMs`. */
export async function disconnected(socket: ClientSocket, timeoutMs = WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (socket.connected && Date.now() < deadline) {
    await sleep(25);
  }
  return !socket.connected;
}

export interface RecoverableOptions {
  /** Delay before each reconnection attempt (fixed, no randomisation). */
  reconnectionDelayMs: number;
}

/**
 * A socket like a browser's: websocket, reconnection on, so that after a
 * transport drop it comes back and asks Socket.IO to recover its session.
 * Resolves once connected; the caller closes it.
 */
export async function connectRecoverable(
  baseUrl: string,
  token: string,
  options: RecoverableOptions,
): Promise<ClientSocket> {
  const socket = io(`${baseUrl}/room`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: true,
    reconnectionAttempts: 3,
    reconnectionDelay: options.reconnectionDelayMs,
    reconnectionDelayMax: options.reconnectionDelayMs,
    randomizationFactor: 0,
    timeout: WAIT_MS,
    extraHeaders: { origin: ORIGIN },
    auth: { token, protocolVersion: PROTOCOL_VERSION },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('recoverable socket did not connect in time'));
    }, WAIT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** The next `connect` (resolves `recovered`) or `connect_error` (resolves its message) of a socket. */
export function nextConnectOutcome(
  socket: ClientSocket,
  timeoutMs: number,
): Promise<{ kind: 'connected'; recovered: boolean } | { kind: 'refused'; message: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no reconnection outcome within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve({ kind: 'connected', recovered: socket.recovered });
    };
    const onError = (error: Error): void => {
      cleanup();
      resolve({ kind: 'refused', message: error.message });
    };
    function cleanup(): void {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    }
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/** A signaling server with its own room-token secrets, wired to an existing test SFU. */
export interface ExtraSignaling {
  signaling: RunningSignaling;
  baseUrl: string;
  logs: CapturedLogger;
  close(): Promise<void>;
}

/**
 * Starts signaling the way the harness does, with TOKEN_SECRET and
 * TOKEN_SECRETS_PREVIOUS of the caller's choosing (a key rotation).
 */
export async function startSignalingWithSecrets(
  sfu: SfuHarness,
  secrets: { current: string; previous?: readonly string[] },
): Promise<ExtraSignaling> {
  const logs = captureLogger('signaling');
  const config = loadSignalingConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    ALLOWED_ORIGINS: ORIGIN,
    SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
    SFU_CONTROL_SECRET: sfu.secret,
    TOKEN_SECRET: secrets.current,
    TOKEN_SECRETS_PREVIOUS: (secrets.previous ?? []).join(','),
    LOG_LEVEL: 'debug',
    ALLOW_OPEN_MEETINGS: 'true',
    DATABASE_PATH: ':memory:',
  });
  const signaling = await startSignaling(config, { logger: logs.logger });
  return { signaling, baseUrl: signaling.url, logs, close: () => signaling.close() };
}
