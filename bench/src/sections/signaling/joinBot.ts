/**
 * One browser's join, as the web app does it (MeetingSessionFlow →
 * MeetingClient.join → MediaEngine.start), minus media: a room token from
 * the HTTP API (open meeting), the Socket.IO handshake on `/room`
 * (websocket, token and protocol version), `join` with the identity public
 * keys (the answer carries the router's RTP capabilities: the device loads
 * from it), then the send and receive transports made on the SFU, both at
 * once as MediaTransports.build does. No DTLS: `connectTransport` comes
 * only once media flows, and bots have none. Leaving is `leave`, then the
 * socket closes (MeetingClient.leave).
 */
import { webcrypto } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type IdentityKeys } from '@confidentiel/protocol';
import { requestJoinToken } from './http.ts';

/** How long the handshake and each request may take (bounded waits). */
export const BOT_TIMEOUT_MS = 10_000;

/** Where a bot goes: a signaling node (or the bare echo server), and the Origin it presents. */
export interface JoinTarget {
  baseUrl: string;
  origin: string;
}

/** Milliseconds of each step of one join, from the arrival. */
export interface JoinSteps {
  token: number;
  connect: number;
  join: number;
  transports: number;
}

type Ack = { ok: true; data: unknown } | { ok: false; error: { reason: string; message: string } };

/** A request with acknowledgement; throws with the refusal's reason. */
export async function ask(socket: Socket, name: string, payload: unknown): Promise<unknown> {
  const ack = (await socket.timeout(BOT_TIMEOUT_MS).emitWithAck(name, payload)) as Ack;
  if (!ack.ok) {
    throw new Error(`${name} refused: ${ack.error.reason}`);
  }
  return ack.data;
}

/** Opens a Socket.IO connection (websocket only, no reconnection) from `localAddress`. */
export function connectSocket(
  url: string,
  origin: string,
  localAddress: string,
  auth: Record<string, unknown>,
): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: BOT_TIMEOUT_MS,
    extraHeaders: { origin },
    localAddress,
    auth,
  } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect timed out'));
    }, BOT_TIMEOUT_MS + 1_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`connect refused: ${error.message}`));
    });
  });
}

/** Real P-256 identity public keys, as a browser announces them at `join` (made before the load). */
export async function makeIdentities(count: number): Promise<IdentityKeys[]> {
  const raw = async (algorithm: EcKeyGenParams, usages: KeyUsage[]): Promise<string> => {
    const pair = await webcrypto.subtle.generateKey(algorithm, true, usages);
    return Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url');
  };
  const identities: IdentityKeys[] = [];
  for (let i = 0; i < count; i++) {
    identities.push({
      ecdh: await raw({ name: 'ECDH', namedCurve: 'P-256' }, ['deriveBits']),
      sign: await raw({ name: 'ECDSA', namedCurve: 'P-256' }, ['sign', 'verify']),
    });
  }
  return identities;
}

/** A member that joined: its socket, and the time each step took. */
export interface JoinedBot {
  socket: Socket;
  steps: JoinSteps;
}

/** The whole join of one member; throws naming the step that failed. The socket is closed on failure. */
export async function joinMeeting(
  target: JoinTarget,
  meetingId: string,
  displayName: string,
  localAddress: string,
  identity: IdentityKeys,
): Promise<JoinedBot> {
  const start = performance.now();
  const token = await requestJoinToken(target.baseUrl, target.origin, meetingId, displayName, localAddress);
  const tokenAt = performance.now();
  const socket = await connectSocket(`${target.baseUrl}/room`, target.origin, localAddress, {
    token,
    protocolVersion: PROTOCOL_VERSION,
  });
  try {
    const connectAt = performance.now();
    const answer = (await ask(socket, 'join', { identity })) as { status: string };
    if (answer.status !== 'joined') {
      throw new Error(`join answered ${answer.status}`);
    }
    const joinAt = performance.now();
    await Promise.all([
      ask(socket, 'createTransport', { direction: 'send' }),
      ask(socket, 'createTransport', { direction: 'recv' }),
    ]);
    const end = performance.now();
    return {
      socket,
      steps: {
        token: tokenAt - start,
        connect: connectAt - tokenAt,
        join: joinAt - connectAt,
        transports: end - joinAt,
      },
    };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Says goodbye (`leave`), then closes; never throws (a lost goodbye is the server's timeout to handle). */
export async function leaveMeeting(socket: Socket): Promise<void> {
  try {
    await ask(socket, 'leave', {});
  } catch {
    // Counted by the caller through the server's state, not here.
  } finally {
    socket.close();
  }
}
