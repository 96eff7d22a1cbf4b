import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import {
  MAX_MLS_MESSAGE_BYTES,
  ProtocolError,
  roomRequests,
  serveRequests,
  type RequestHandlers,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import type { Metrics } from '../http/metrics.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import { authenticateHandshake, type Identity } from './authenticate.ts';
import { clientAddressResolver, type ClientAddressOf } from '../http/clientAddress.ts';
import { memberChannel } from '../rooms/channels.ts';
import { MeetingHost, RECOVERY_WINDOW_MS } from '../cluster/MeetingHost.ts';
import { LocalLeases, type MeetingLeases } from '../cluster/MeetingLeases.ts';
import { MeetingRouter } from '../cluster/MeetingRouter.ts';
import type { NodeBus } from '../cluster/NodeBus.ts';
import { LocalNodeRegistry, type NodeRegistry } from '../cluster/NodeRegistry.ts';
import { NoSessionRecords, type SessionRecords } from '../cluster/SessionRecords.ts';
import type { SessionDeps } from './MemberSession.ts';
import { roomMicrophones } from './roomMicrophones.ts';
import { maxMessageBytes, messageBytes } from './messageSize.ts';
import { createMlsDelivery } from '../mls/MlsDelivery.ts';
import type { MlsDeliveryStore } from '../mls/MlsDeliveryStore.ts';
import { InMemoryRevocations, type Revocations } from '../rooms/Revocations.ts';
import { InMemoryRoleOverrides, type RoleOverrides } from '../rooms/RoleOverrides.ts';
import { InMemoryAdmissions, type Admissions } from '../rooms/Admissions.ts';
import { InMemoryEndedMeetings, type EndedMeetings } from '../rooms/EndedMeetings.ts';
import { InMemoryHeldOut, type HeldOut } from '../rooms/HeldOut.ts';
import { RoomQueue } from '../rooms/RoomQueue.ts';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { NO_COMMITTEES, type CommitteeHooks } from '../committee/CommitteeService.ts';

export { JOIN_TIMEOUT_MS, RECOVERY_WINDOW_MS } from '../cluster/MeetingHost.ts';
/** Requests one socket may make per second (bursts up to this many). */
export const REQUESTS_PER_SECOND = 40;
/** Chat messages one member may send per 10 seconds. */
export const CHAT_MESSAGES_PER_10S = 20;
export const ROOM_NAMESPACE = '/room';
/** In a cluster, how often each socket's recovery session is saved ahead of a crash. */
export const SESSION_PERSIST_EVERY_MS = 1_000;
/** Connections one client address may open per 10 seconds. */
export const CONNECTIONS_PER_IP_PER_10S = 60;
/** Requests one client address may make per second, over all its sockets. */
export const REQUESTS_PER_IP_PER_SECOND = 200;

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
  /** Members sent back to the waiting room (deliberation); a private one when absent. */
  heldOut?: HeldOut;
  /** The MLS Delivery Service's state (shared by the nodes in Redis); a private one when absent. */
  mls?: MlsDeliveryStore;
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
  /**
   * A cluster of signaling nodes (REDIS_URL): who owns each meeting, the
   * request bus to the other nodes, which nodes are alive, where sessions
   * are replicated for a takeover, and the Socket.IO adapter that reaches
   * sockets on every node. Absent: one node that owns every meeting.
   */
  cluster?: {
    leases: MeetingLeases;
    bus: NodeBus;
    registry: NodeRegistry;
    records: SessionRecords;
    adapter: NonNullable<ConstructorParameters<typeof Server>[1]>['adapter'];
    /** Rebuild what the shared state holds of a meeting this node just took over (committee, journal). */
    takeOver?: (roomId: string) => Promise<void>;
    /** A meeting this node lost to another node: forget it without writing (committee). */
    lost?: (roomId: string) => void;
  };
}

/** The Socket.IO side of signaling: authentication, limits, and one MemberSession per socket. */
export class RoomGateway {
  readonly #io: Server;
  readonly #options: RoomGatewayOptions;
  readonly #host: MeetingHost;
  readonly #router: MeetingRouter;
  readonly #leases: MeetingLeases;
  readonly #records: SessionRecords;
  readonly #registry: NodeRegistry;
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
  readonly #revocations: Revocations;
  readonly #admissions: Admissions;
  readonly #roleOverrides: RoleOverrides;
  readonly #endedMeetings: EndedMeetings;
  readonly #queue = new RoomQueue();
  readonly #clientAddress: ClientAddressOf;
  #persistTimer: ReturnType<typeof setInterval> | undefined;
  #handingOver = false;
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
      ...(options.cluster ? { adapter: options.cluster.adapter } : {}),
      // The largest message (an MLS commit with its Welcome); every other event is held to
      // LIMITS.maxMessageBytes per event (messageSize.ts).
      maxHttpBufferSize: MAX_MLS_MESSAGE_BYTES,
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

    if (options.cluster) {
      this.#persistSessionsAhead(nsp);
    }
    this.#leases = options.cluster?.leases ?? new LocalLeases();
    this.#records = options.cluster?.records ?? new NoSessionRecords();
    this.#registry = options.cluster?.registry ?? new LocalNodeRegistry(this.#leases.nodeId);
    const sessionDeps: Omit<SessionDeps, 'directory'> = {
      meetings: options.meetings,
      state: options.state,
      sfu: options.sfu,
      logger,
      now,
      chatLimiter: this.#chatLimiter,
      iceConfig: options.iceConfig ?? noIceServers,
      revocations: this.#revocations,
      admissions: this.#admissions,
      roleOverrides: this.#roleOverrides,
      endedMeetings: this.#endedMeetings,
      heldOut: options.heldOut ?? new InMemoryHeldOut({ now }),
      queue: this.#queue,
      issueToken: options.issueToken,
      inviteRevoked: options.inviteRevoked ?? (() => Promise.resolve(false)),
      onRemoved: options.onRemoved ?? (() => Promise.resolve()),
      revocationMs: options.revocationMs ?? 2 * 60 * 60 * 1000,
      committee: options.committee ?? NO_COMMITTEES,
      mls: createMlsDelivery(options.mls),
    };
    // Committee rooms pause the microphones of members who lose the floor: the server decides who speaks.
    options.committee?.useMicrophones?.(
      roomMicrophones({ sfu: options.sfu, state: options.state, queue: this.#queue, nsp, logger }),
    );
    this.#host = new MeetingHost({
      nsp,
      sessionDeps,
      logger,
      records: this.#records,
      fenceOf: (roomId) => this.#leases.fenceOf(roomId),
    });
    // Redis came back empty and this node re-established the lease: its members' sessions go back.
    this.#leases.on('reestablished', (roomId) => this.#host.rewrite(roomId));
    this.#router = new MeetingRouter({
      leases: this.#leases,
      bus: options.cluster?.bus ?? null,
      registry: this.#registry,
      host: this.#host,
      logger,
      takeOver: async (roomId) => {
        await this.#host.takeOver(roomId, (nodeId) => this.#registry.isAlive(nodeId));
        await options.cluster?.takeOver?.(roomId);
      },
      lost: (roomId) => {
        this.#host.drop(roomId);
        options.cluster?.lost?.(roomId);
      },
    });
  }

  /**
   * Socket.IO saves a socket's session (rooms, id) for connection-state
   * recovery only when the socket disconnects: a node that dies (SIGKILL)
   * saves nothing, and its browsers could not recover on another node. So in
   * a cluster each node saves its sockets' sessions ahead, every
   * SESSION_PERSIST_EVERY_MS, through the adapter (Redis, expiring after the
   * recovery window); a browser whose node died reconnects elsewhere with its
   * id, rooms and every event it missed.
   */
  #persistSessionsAhead(nsp: ReturnType<Server['of']>): void {
    const adapter = nsp.adapter as unknown as {
      persistSession?: (session: { sid: string; pid: string; rooms: string[]; data: unknown }) => void;
    };
    if (typeof adapter.persistSession !== 'function') {
      return;
    }
    const save = (socket: Socket | undefined): void => {
      const pid = (socket as unknown as { pid?: string } | undefined)?.pid;
      if (socket && pid !== undefined && socket.connected) {
        adapter.persistSession?.({ sid: socket.id, pid, rooms: [...socket.rooms], data: socket.data });
      }
    };
    this.#persistTimer = setInterval(() => {
      for (const socket of nsp.sockets.values()) {
        save(socket);
      }
    }, SESSION_PERSIST_EVERY_MS);
    this.#persistTimer.unref();
    // A change of rooms (an admission, a promotion) is saved at once, not up to a period later: a
    // session saved before it would recover without the room's channel, and miss its events for good.
    const changed = new Set<string>();
    const onRooms = (_room: string, socketId: string): void => {
      if (changed.size === 0) {
        setImmediate(() => {
          for (const id of changed) {
            save(nsp.sockets.get(id));
          }
          changed.clear();
        });
      }
      changed.add(socketId);
    };
    nsp.adapter.on('join-room', onRooms);
    nsp.adapter.on('leave-room', onRooms);
  }

  /** This node's id in the cluster ('local' on one node). */
  get nodeId(): string {
    return this.#leases.nodeId;
  }

  /** Whether this node owns `roomId` now. */
  owns(roomId: string): boolean {
    return this.#leases.fenceOf(roomId) !== undefined;
  }

  #onConnection(socket: Socket): void {
    const { logger, metrics } = this.#options;
    const identity = identities.get(socket);
    if (!identity) {
      socket.disconnect(true);
      return;
    }
    metrics.connections.inc();
    if (this.#options.logIpAddresses) {
      logger.info({ ip: socket.handshake.address, member: identity.sub.slice(0, 6) }, 'connection');
    }
    // The meeting's owner (this node or another) decides whether this connection goes on.
    const accepted = this.#router.connected(socket.id, identity, socket.recovered).then(
      (ok) => {
        if (!ok) {
          // Socket.IO put the socket back in its rooms, but its session is over (removed,
          // expired or ended while away): out of every room, and away; the client joins anew.
          for (const room of socket.rooms) {
            if (room !== socket.id) {
              void socket.leave(room);
            }
          }
          socket.disconnect(true);
        }
        return ok;
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'the meeting could not take this connection');
        socket.disconnect(true);
        return false;
      },
    );

    const address = this.#clientAddress(socket.request);
    socket.use(([event, ...args], next) => {
      const refuse = (reason: 'rate-limited' | 'too-large', message: string): void => {
        metrics.refusals.inc({ reason });
        const ack: unknown = args[args.length - 1];
        if (typeof ack === 'function') {
          (ack as (a: unknown) => void)({ ok: false, error: { reason, message } });
        }
      };
      // The socket's own budget first: a flooding socket spends little of its address's budget.
      this.#limiter
        .consume(socket.id)
        .then(() => this.#ipLimiter.consume(address))
        .then(
          () => {
            // Measured after the budget: an oversized flood is throttled like any other.
            const name = String(event);
            if (messageBytes(name, args) > maxMessageBytes(name)) {
              refuse('too-large', `message too large (${name})`);
              return;
            }
            next();
          },
          () => refuse('rate-limited', `too many requests (${String(event)})`),
        );
    });
    // Validated here, then run by the meeting's owner (validated there again).
    const forward = Object.fromEntries(
      Object.keys(roomRequests).map((name) => [
        name,
        async (payload: unknown) => {
          if (!(await accepted)) {
            throw new ProtocolError('not-joined', 'connect again');
          }
          return this.#router.request(identity, socket.id, name, payload);
        },
      ]),
    ) as unknown as RequestHandlers<typeof roomRequests>;
    serveRequests(socket, roomRequests, forward, {
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

    socket.on('disconnect', (reason) => {
      metrics.connections.dec();
      void accepted.then((ok) => {
        // A node handing its meetings over says nothing: the new owner treats its sockets as dropped.
        if (ok && !this.#handingOver) {
          this.#router.disconnected(identity, socket.id, reason);
        }
      });
    });
  }

  /** Routes the SFU's events to the rooms and members they concern. */
  wireSfuEvents(): void {
    const { sfu, state, logger } = this.#options;
    const nsp = this.#io.of(ROOM_NAMESPACE);
    sfu.on('producerClosed', ({ roomId, memberId, producerId }) => {
      // Every node hears the SFU; the meeting's owner acts.
      if (!this.owns(roomId)) {
        return;
      }
      const closed = this.#queue.run(roomId, async () => {
        if (await state.removeProducer(roomId, producerId)) {
          nsp.to(roomId).except(memberChannel(memberId)).emit('producerClosed', { producerId, memberId });
        }
      });
      this.#background('producer closed by the SFU', closed);
    });
    sfu.on('consumerClosed', ({ roomId, memberId, consumerId, producerId }) => {
      if (!this.owns(roomId)) {
        return;
      }
      nsp.to(memberChannel(memberId)).emit('consumerClosed', { consumerId, producerId });
    });
    sfu.on('activeSpeaker', ({ roomId, memberId }) => {
      if (!this.owns(roomId)) {
        return;
      }
      nsp.to(roomId).emit('activeSpeaker', { memberId });
    });
    sfu.on('mediaLost', ({ roomId, reason, memberIds, everyone }) => {
      if (!this.owns(roomId)) {
        return;
      }
      // A media server lost media of the room (a worker died, a host was lost); membership, roles
      // and keys stand. The producers made there are gone: forgotten here, and whoever had media
      // there makes it again (`reconnectMedia` finds the room on a live worker or host). Members
      // whose media is on another host of the meeting keep it.
      logger.warn(
        { room: roomId.slice(0, 6), reason, members: memberIds.length, everyone },
        'media server lost media of a room; its members reconnect their media',
      );
      const lost = new Set(memberIds);
      const reset = this.#queue.run(roomId, async () => {
        for (const producer of await state.producers(roomId)) {
          if (everyone || lost.has(producer.memberId)) {
            await state.removeProducer(roomId, producer.producerId);
            if (!everyone) {
              nsp
                .to(roomId)
                .except(memberChannel(producer.memberId))
                .emit('producerClosed', { producerId: producer.producerId, memberId: producer.memberId });
            }
          }
        }
        if (everyone) {
          nsp.to(roomId).emit('mediaReset', { reason });
        } else if (memberIds.length > 0) {
          nsp.to(memberIds.map(memberChannel)).emit('mediaReset', { reason });
        }
      });
      this.#background('room media lost by the SFU', reset);
    });
  }

  /** Work an event started: a failure is logged, never thrown at the emitter. */
  #background(what: string, work: Promise<void>): void {
    work.catch((error: unknown) =>
      this.#options.logger.error({ err: error, what }, 'room bookkeeping failed'),
    );
  }

  /**
   * A graceful stop (an upgrade): every meeting this node owns is handed
   * over (its state is already replicated; the leases are released), then
   * the sockets' transports are closed without a Socket.IO goodbye, so the
   * browsers reconnect through the proxy to another node and recover there.
   */
  async handOver(): Promise<void> {
    if (this.#handingOver || this.#closed) {
      return;
    }
    this.#handingOver = true;
    clearInterval(this.#persistTimer);
    this.#router.close();
    for (const roomId of this.#leases.held()) {
      this.#host.drop(roomId);
      await this.#leases.release(roomId);
    }
    this.#io.engine.close();
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#persistTimer);
    this.#router.close();
    const sessions = this.#host.close();
    await this.#io.close();
    // Every departure written to the room state before the caller closes it (Redis).
    await Promise.all(sessions.map((session) => session.leave()));
    await this.#leases.close();
    await this.#registry.close();
  }
}
