import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { LIMITS, ProtocolError, roomRequests, serveRequests } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import type { Metrics } from '../http/metrics.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import { authenticateHandshake, type Identity } from './authenticate.ts';
import { clientAddressResolver, type ClientAddressOf } from '../http/clientAddress.ts';
import { memberChannel } from '../rooms/channels.ts';
import { MemberSession, type SessionDeps } from './MemberSession.ts';
import { InMemoryRevocations, type Revocations } from '../rooms/Revocations.ts';
import { InMemoryRoleOverrides, type RoleOverrides } from '../rooms/RoleOverrides.ts';
import { InMemoryAdmissions, type Admissions } from '../rooms/Admissions.ts';
import { InMemoryEndedMeetings, type EndedMeetings } from '../rooms/EndedMeetings.ts';
import { RoomQueue } from '../rooms/RoomQueue.ts';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { NO_COMMITTEES, type CommitteeHooks } from '../committee/CommitteeService.ts';

/** A connection that has not joined within this time is dropped. */
export const JOIN_TIMEOUT_MS = 20_000;
/** Requests one socket may make per second (bursts up to this many). */
export const REQUESTS_PER_SECOND = 40;
/** Chat messages one member may send per 10 seconds. */
export const CHAT_MESSAGES_PER_10S = 20;
export const ROOM_NAMESPACE = '/room';
/** A dropped connection may come back and recover its session within this time. */
export const RECOVERY_WINDOW_MS = 15_000;
/** Connections one client address may open per 10 seconds. */
export const CONNECTIONS_PER_IP_PER_10S = 60;
/** Requests one client address may make per second, over all its sockets. */
export const REQUESTS_PER_IP_PER_SECOND = 200;
/** Disconnect reasons after which the client may come back and recover. */
const RECOVERABLE = new Set(['transport close', 'transport error', 'ping timeout']);

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
  revocations?: Revocations;
  /** Who was let in (shared with the recording routes); a private one when absent. */
  admissions?: Admissions;
  /** Roles moderators gave (shared with the HTTP routes); a private one when absent. */
  roleOverrides?: RoleOverrides;
  /** Meetings a host ended; a private one when absent. */
  endedMeetings?: EndedMeetings;
  /**
   * Where the limiters shared by every node are made (chat per member,
   * requests and connections per client address); in memory when absent.
   * The per-socket request limiter is always this process's own: a socket
   * lives on one node.
   */
  rateLimiters?: RateLimiterFactory;
  issueToken: SessionDeps['issueToken'];
  inviteRevoked?: SessionDeps['inviteRevoked'];
  onRemoved?: SessionDeps['onRemoved'];
  /** The client's address for per-address limits. */
  clientAddress?: ClientAddressOf;
  /** How long revocations last: longer than any token lives. */
  revocationMs?: number;
  /** Committee sessions (agenda, floor, votes, journal); none: no meeting is a committee. */
  committee?: CommitteeHooks;
}

/** The Socket.IO side of signaling: authentication, limits, and one MemberSession per socket. */
export class RoomGateway {
  readonly #io: Server;
  readonly #options: RoomGatewayOptions;
  readonly #sessions = new Map<string, MemberSession>();
  /** Per socket: this node's own (a socket lives on one node). */
  readonly #limiter = new MemoryRateLimiterFactory().create('socket-requests', {
    points: REQUESTS_PER_SECOND,
    duration: 1,
  });
  /** Per member, over every node: a member who reconnects elsewhere keeps their count. */
  readonly #chatLimiter: RateLimiterAbstract;
  /** Per client address, over every node: the proxy may spread one address's sockets over several. */
  readonly #ipLimiter: RateLimiterAbstract;
  readonly #connectionLimiter: RateLimiterAbstract;
  /** Sessions whose connection dropped, kept for a recovery until their timer fires. */
  readonly #pendingLeaves = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #revocations: Revocations;
  readonly #admissions: Admissions;
  readonly #roleOverrides: RoleOverrides;
  readonly #endedMeetings: EndedMeetings;
  readonly #queue = new RoomQueue();
  readonly #clientAddress: ClientAddressOf;
  #closed = false;

  constructor(options: RoomGatewayOptions) {
    this.#options = options;
    const now = options.now ?? Date.now;
    this.#revocations = options.revocations ?? new InMemoryRevocations({ now });
    this.#admissions = options.admissions ?? new InMemoryAdmissions({ now });
    this.#roleOverrides = options.roleOverrides ?? new InMemoryRoleOverrides({ now });
    this.#endedMeetings = options.endedMeetings ?? new InMemoryEndedMeetings({ now });
    this.#clientAddress = options.clientAddress ?? clientAddressResolver(false);
    const rateLimiters = options.rateLimiters ?? new MemoryRateLimiterFactory();
    this.#chatLimiter = rateLimiters.create('chat', { points: CHAT_MESSAGES_PER_10S, duration: 10 });
    this.#ipLimiter = rateLimiters.create('address-requests', {
      points: REQUESTS_PER_IP_PER_SECOND,
      duration: 1,
    });
    this.#connectionLimiter = rateLimiters.create('address-connections', {
      points: CONNECTIONS_PER_IP_PER_10S,
      duration: 10,
    });
    const { logger, metrics } = options;
    this.#io = new Server(options.http, {
      maxHttpBufferSize: LIMITS.maxMessageBytes,
      serveClient: false,
      // Recovery after a short drop, with the auth middleware run again (its
      // default would skip it and let an expired token back in).
      connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
      // A forged Origin is refused before any handshake (the `cors` option alone does not).
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        const allowed = typeof origin === 'string' && options.allowedOrigins.includes(origin);
        if (!allowed) {
          metrics.refusals.inc({ reason: 'bad-origin' });
          callback('origin not allowed', false);
          return;
        }
        // Only the first request of a connection counts (polling makes many).
        if (new URL(req.url ?? '/', 'http://x').searchParams.has('sid')) {
          callback(null, true);
          return;
        }
        this.#connectionLimiter
          .consume(this.#clientAddress(req))
          .then(() => callback(null, true))
          .catch(() => {
            metrics.refusals.inc({ reason: 'rate-limited' });
            callback('too many connections', false);
          });
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
    const previous = this.#sessions.get(identity.sub);
    const pending = this.#pendingLeaves.get(identity.sub);
    const live = previous !== undefined && (previous.joined || previous.waiting);
    if (socket.recovered && !(live && pending !== undefined)) {
      // Socket.IO put the socket back in its rooms, but its session is over (removed,
      // expired or ended while away): out of every room, and away; the client joins anew.
      for (const room of socket.rooms) {
        if (room !== socket.id) {
          void socket.leave(room);
        }
      }
      logger.info({ member: identity.sub.slice(0, 6) }, 'recovery refused: the session is over');
      socket.disconnect(true);
      return;
    }
    let session: MemberSession;
    if (previous && pending !== undefined && socket.recovered && live) {
      // The same connection came back in time: the member never left.
      clearTimeout(pending);
      this.#pendingLeaves.delete(identity.sub);
      previous.rebind(socket, identity.exp);
      session = previous;
      logger.info({ member: identity.sub.slice(0, 6) }, 'connection recovered');
    } else {
      // The same member connecting again (a reload, a second tab) replaces the old connection.
      if (previous) {
        if (pending !== undefined) {
          clearTimeout(pending);
          this.#pendingLeaves.delete(identity.sub);
        }
        void previous.leave();
        this.#io.of(ROOM_NAMESPACE).in(memberChannel(identity.sub)).disconnectSockets(true);
      }
      session = new MemberSession(socket, identity, {
        meetings,
        state,
        sfu,
        logger,
        now: this.#options.now ?? Date.now,
        chatLimiter: this.#chatLimiter,
        iceConfig: this.#options.iceConfig ?? noIceServers,
        revocations: this.#revocations,
        admissions: this.#admissions,
        roleOverrides: this.#roleOverrides,
        endedMeetings: this.#endedMeetings,
        queue: this.#queue,
        directory: { get: (memberId) => this.#sessions.get(memberId) },
        issueToken: this.#options.issueToken,
        inviteRevoked: this.#options.inviteRevoked ?? (() => Promise.resolve(false)),
        onRemoved: this.#options.onRemoved ?? (() => Promise.resolve()),
        revocationMs: this.#options.revocationMs ?? 2 * 60 * 60 * 1000,
        committee: this.#options.committee ?? NO_COMMITTEES,
      });
      this.#sessions.set(identity.sub, session);
    }
    metrics.connections.inc();
    if (this.#options.logIpAddresses) {
      logger.info({ ip: socket.handshake.address, member: identity.sub.slice(0, 6) }, 'connection');
    }

    const address = this.#clientAddress(socket.request);
    socket.use(([event, ...args], next) => {
      // The socket's own budget first: a flooding socket spends little of its address's budget.
      this.#limiter
        .consume(socket.id)
        .then(() => this.#ipLimiter.consume(address))
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
      if (!session.joined && !session.waiting) {
        logger.info('dropping a connection that never joined');
        socket.disconnect(true);
      }
    }, JOIN_TIMEOUT_MS);
    joinTimer.unref();

    socket.on('disconnect', (reason) => {
      clearTimeout(joinTimer);
      metrics.connections.dec();
      if (this.#sessions.get(identity.sub) !== session || session.socket !== socket) {
        return;
      }
      if (RECOVERABLE.has(reason) && (session.joined || session.waiting) && !this.#closed) {
        // The browser may come back within the recovery window; keep its place until then.
        const timer = setTimeout(() => {
          this.#pendingLeaves.delete(identity.sub);
          if (this.#sessions.get(identity.sub) === session) {
            this.#sessions.delete(identity.sub);
          }
          void session.leave();
        }, RECOVERY_WINDOW_MS);
        timer.unref();
        this.#pendingLeaves.set(identity.sub, timer);
        return;
      }
      this.#sessions.delete(identity.sub);
      void session.leave();
    });
  }

  /** Routes the SFU's events to the rooms and members they concern. */
  wireSfuEvents(): void {
    const { sfu, state, logger } = this.#options;
    const nsp = this.#io.of(ROOM_NAMESPACE);
    sfu.on('producerClosed', ({ roomId, memberId, producerId }) => {
      const closed = this.#queue.run(roomId, async () => {
        if (await state.removeProducer(roomId, producerId)) {
          nsp.to(roomId).except(memberChannel(memberId)).emit('producerClosed', { producerId, memberId });
        }
      });
      this.#background('producer closed by the SFU', closed);
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
      const forgotten = this.#queue.run(roomId, async () => {
        for (const member of await state.clearRoom(roomId)) {
          await this.#sessions.get(member.memberId)?.forget();
        }
      });
      this.#background('room lost by the SFU', forgotten);
    });
  }

  /** Work an event started: a failure is logged, never thrown at the emitter. */
  #background(what: string, work: Promise<void>): void {
    work.catch((error: unknown) =>
      this.#options.logger.error({ err: error, what }, 'room bookkeeping failed'),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const timer of this.#pendingLeaves.values()) {
      clearTimeout(timer);
    }
    this.#pendingLeaves.clear();
    const sessions = [...this.#sessions.values()];
    await this.#io.close();
    // Every departure written to the room state before the caller closes it (Redis).
    await Promise.all(sessions.map((session) => session.leave()));
  }
}
