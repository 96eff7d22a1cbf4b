import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { LIMITS, ProtocolError, roomRequests, serveRequests } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import type { Metrics } from '../http/metrics.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import { authenticateHandshake, type Identity } from './authenticate.ts';
import { MemberSession, memberChannel } from './MemberSession.ts';

/** A connection that has not joined within this time is dropped. */
export const JOIN_TIMEOUT_MS = 20_000;
/** Requests one socket may make per second (bursts up to this many). */
export const REQUESTS_PER_SECOND = 40;
/** Chat messages one member may send per 10 seconds. */
export const CHAT_MESSAGES_PER_10S = 20;
export const ROOM_NAMESPACE = '/room';

function noIceServers(): IceConfig {
  return { iceServers: [], iceTransportPolicy: 'all' };
}

/** Who each authenticated socket is (set by the handshake middleware). */
const identities = new WeakMap<Socket, Identity>();

export interface RoomGatewayOptions {
  http: HttpServer;
  allowedOrigins: readonly string[];
  tokens: TokenService;
  meetings: MeetingStore;
  state: RoomState;
  sfu: SfuClient;
  metrics: Metrics;
  logger: Logger;
  /** Log client addresses (operator's choice; off by default). */
  logIpAddresses?: boolean;
  now?: () => number;
  /** ICE configuration per member; none: no ICE server, policy `all`. */
  iceConfig?: (memberId: string) => IceConfig;
}

/** The Socket.IO side of signaling: authentication, limits, and one MemberSession per socket. */
export class RoomGateway {
  readonly #io: Server;
  readonly #options: RoomGatewayOptions;
  readonly #sessions = new Map<string, MemberSession>();
  readonly #limiter = new RateLimiterMemory({ points: REQUESTS_PER_SECOND, duration: 1 });
  readonly #chatLimiter = new RateLimiterMemory({ points: CHAT_MESSAGES_PER_10S, duration: 10 });
  #closed = false;

  constructor(options: RoomGatewayOptions) {
    this.#options = options;
    const { logger, metrics } = options;
    this.#io = new Server(options.http, {
      maxHttpBufferSize: LIMITS.maxMessageBytes,
      serveClient: false,
      // Connection state recovery stays off: it would skip the auth middleware.
      connectionStateRecovery: undefined,
      // A forged Origin is refused before any handshake (the `cors` option alone does not).
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        const allowed = typeof origin === 'string' && options.allowedOrigins.includes(origin);
        if (!allowed) {
          metrics.refusals.inc({ reason: 'bad-origin' });
        }
        callback(allowed ? null : 'origin not allowed', allowed);
      },
    });
    this.#io.of('/').use((_socket, next) => next(new Error('not-found')));
    const nsp = this.#io.of(ROOM_NAMESPACE);
    nsp.use((socket, next) => {
      try {
        identities.set(socket, authenticateHandshake(socket.handshake.auth, options.tokens));
        next();
      } catch (error) {
        const body =
          error instanceof ProtocolError
            ? error.toBody()
            : { reason: 'unauthorized' as const, message: 'refused' };
        metrics.refusals.inc({ reason: body.reason });
        logger.info({ reason: body.reason }, 'connection refused');
        next(Object.assign(new Error(body.reason), { data: body }));
      }
    });
    nsp.on('connection', (socket) => this.#onConnection(socket));
  }

  #onConnection(socket: Socket): void {
    const { logger, metrics, state, sfu, meetings } = this.#options;
    const identity = identities.get(socket);
    if (!identity) {
      socket.disconnect(true);
      return;
    }
    // The same member connecting again (a reload, a second tab) replaces the old connection.
    const previous = this.#sessions.get(identity.sub);
    if (previous) {
      void previous.leave();
      this.#io.of(ROOM_NAMESPACE).in(memberChannel(identity.sub)).disconnectSockets(true);
    }
    const session = new MemberSession(socket, identity, {
      meetings,
      state,
      sfu,
      logger,
      now: this.#options.now ?? Date.now,
      chatLimiter: this.#chatLimiter,
      iceConfig: this.#options.iceConfig ?? noIceServers,
    });
    this.#sessions.set(identity.sub, session);
    metrics.connections.inc();
    if (this.#options.logIpAddresses) {
      logger.info({ ip: socket.handshake.address, member: identity.sub.slice(0, 6) }, 'connection');
    }

    socket.use(([event, ...args], next) => {
      this.#limiter
        .consume(socket.id)
        .then(() => next())
        .catch(() => {
          metrics.refusals.inc({ reason: 'rate-limited' });
          const ack: unknown = args[args.length - 1];
          if (typeof ack === 'function') {
            (ack as (a: unknown) => void)({
              ok: false,
              error: { reason: 'rate-limited', message: `too many requests (${String(event)})` },
            });
          }
        });
    });
    serveRequests(socket, roomRequests, session.handlers(), {
      onError: (event, error) => {
        if (error instanceof ProtocolError) {
          metrics.refusals.inc({ reason: error.reason });
          logger.debug({ event, reason: error.reason }, 'request refused');
        } else {
          metrics.refusals.inc({ reason: 'internal' });
          logger.error({ event, err: error }, 'request failed');
        }
      },
    });

    const joinTimer = setTimeout(() => {
      if (!session.joined) {
        logger.info('dropping a connection that never joined');
        socket.disconnect(true);
      }
    }, JOIN_TIMEOUT_MS);
    joinTimer.unref();

    socket.on('disconnect', () => {
      clearTimeout(joinTimer);
      metrics.connections.dec();
      if (this.#sessions.get(identity.sub) === session) {
        this.#sessions.delete(identity.sub);
      }
      void session.leave();
    });
  }

  /** Routes the SFU's events to the rooms and members they concern. */
  wireSfuEvents(): void {
    const { sfu, state, logger } = this.#options;
    const nsp = this.#io.of(ROOM_NAMESPACE);
    sfu.on('producerClosed', ({ roomId, memberId, producerId }) => {
      if (state.removeProducer(roomId, producerId)) {
        nsp.to(roomId).except(memberChannel(memberId)).emit('producerClosed', { producerId, memberId });
      }
    });
    sfu.on('consumerClosed', ({ memberId, consumerId, producerId }) => {
      nsp.to(memberChannel(memberId)).emit('consumerClosed', { consumerId, producerId });
    });
    sfu.on('activeSpeaker', ({ roomId, memberId }) => {
      nsp.to(roomId).emit('activeSpeaker', { memberId });
    });
    sfu.on('roomClosed', ({ roomId, reason }) => {
      if (reason !== 'worker-died') {
        return;
      }
      // The media server lost the room: every member must rejoin.
      logger.warn({ room: roomId.slice(0, 6) }, 'media server lost a room; members will rejoin');
      nsp.to(roomId).emit('roomClosed', { reason: 'media-server-restarted' });
      for (const member of state.clearRoom(roomId)) {
        this.#sessions.get(member.memberId)?.forget();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#io.close();
  }
}
