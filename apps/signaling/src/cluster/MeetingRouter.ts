import type { Logger } from 'pino';
import { ProtocolError } from '@confidentiel/protocol';
import type { Identity } from '../socket/authenticate.ts';
import type { MeetingHost } from './MeetingHost.ts';
import type { MeetingLeases } from './MeetingLeases.ts';
import type { NodeBus } from './NodeBus.ts';
import type { NodeRegistry } from './NodeRegistry.ts';
import { connectedAnswerSchema, hostMessageSchema, type HostMessage } from './wire.ts';

/** How often an owner checks that the nodes its members' sockets are on are alive. */
export const SWEEP_EVERY_MS = 1_000;
/**
 * How long a message waits for a meeting whose owner died to move (its lease
 * expires within LEASE_MS; then this node or another claims it).
 */
export const FAILOVER_WAIT_MS = 8_000;
/** A node that does not answer within this is checked for life before waiting longer. */
const OWNER_ANSWER_MS = 2_000;
const RETRY_EVERY_MS = 200;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface MeetingRouterOptions {
  leases: MeetingLeases;
  /** Null on one node: every meeting is this node's. */
  bus: NodeBus | null;
  registry: NodeRegistry;
  host: MeetingHost;
  logger: Logger;
  /**
   * This node just became the owner of `roomId` (first use, or taken over
   * from a node that died or handed it over): rebuild what Redis holds of it
   * before any request runs. Runs once per ownership.
   */
  takeOver: (roomId: string) => Promise<void>;
  /** This node lost `roomId` to another node: forget it without writing. */
  lost: (roomId: string) => void;
}

/**
 * Where a meeting's requests go: to this node's MeetingHost when this node
 * owns the meeting (claiming it if nobody does), else to the owner node over
 * the bus. The owner answers; the entry node only relays. Also the owner
 * side of the bus: the messages other nodes send for meetings owned here.
 */
export class MeetingRouter {
  readonly #options: MeetingRouterOptions;
  /** Meetings rebuilt on this node under its current lease (rebuilt again after a loss). */
  readonly #ready = new Map<string, Promise<void>>();
  readonly #sweep: ReturnType<typeof setInterval>;
  /** A sweep is under way (a slow Redis must not pile them up). */
  #sweeping = false;
  #closed = false;

  constructor(options: MeetingRouterOptions) {
    this.#options = options;
    options.leases.on('lost', (roomId) => {
      this.#ready.delete(roomId);
      options.lost(roomId);
    });
    options.bus?.handle(
      (body, from) => this.#fromNode(body, from),
      () => undefined,
    );
    this.#sweep = setInterval(() => void this.#sweepNodes(), SWEEP_EVERY_MS);
    this.#sweep.unref();
  }

  /** The owner of `roomId`: this node (ready to serve: rebuilt if just taken), or another node. */
  async ownerOf(roomId: string): Promise<{ self: true } | { self: false; nodeId: string | null }> {
    const answer = await this.#options.leases.acquire(roomId).catch((error: unknown) => {
      throw new ProtocolError('busy', 'the servers cannot agree on this meeting right now', { cause: error });
    });
    if (answer.owner === 'other') {
      return { self: false, nodeId: answer.nodeId };
    }
    if (answer.owner === 'unsettled') {
      // Redis just came back empty: the owner is re-establishing its lease.
      return { self: false, nodeId: null };
    }
    let ready = this.#ready.get(roomId);
    if (!ready) {
      ready = this.#options.takeOver(roomId).catch((error: unknown) => {
        this.#ready.delete(roomId);
        this.#options.logger.error({ err: error }, 'could not take a meeting over');
        throw new ProtocolError('busy', 'the meeting is being moved: try again', { cause: error });
      });
      this.#ready.set(roomId, ready);
    }
    await ready;
    return { self: true };
  }

  /** A socket connected on this node. False: close it (its session is over). */
  async connected(socketId: string, identity: Identity, recovered: boolean): Promise<boolean> {
    const message: HostMessage = { type: 'connected', socketId, identity, recovered };
    return connectedAnswerSchema.parse(await this.#send(identity.room, message)).accepted;
  }

  request(identity: Identity, socketId: string, event: string, payload: unknown): Promise<unknown> {
    return this.#send(identity.room, {
      type: 'request',
      socketId,
      memberId: identity.sub,
      roomId: identity.room,
      event,
      payload,
    });
  }

  disconnected(identity: Identity, socketId: string, reason: string): void {
    this.#send(identity.room, {
      type: 'disconnected',
      socketId,
      memberId: identity.sub,
      roomId: identity.room,
      reason,
    }).catch((error: unknown) =>
      this.#options.logger.debug({ err: error }, 'a disconnection could not be told to the owner'),
    );
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#sweep);
  }

  /**
   * To the owner: this node, or another over the bus. An owner that is dead
   * (no heartbeat) is waited out until its lease expires and the meeting
   * moves (at most FAILOVER_WAIT_MS). A request is sent once to a live
   * owner and never retried elsewhere after it may have run: a timeout
   * answers `busy`. Connection notices are idempotent and are retried.
   */
  async #send(roomId: string, message: HostMessage): Promise<unknown> {
    const { bus, registry } = this.#options;
    const deadline = Date.now() + FAILOVER_WAIT_MS;
    for (;;) {
      const owner = await this.ownerOf(roomId);
      if (owner.self) {
        return this.#apply(message, registry.nodeId);
      }
      if (!bus) {
        throw new ProtocolError('busy', 'no route to the meeting');
      }
      const alive = owner.nodeId !== null && (await registry.isAlive(owner.nodeId));
      if (alive && owner.nodeId !== null) {
        try {
          return await bus.request(owner.nodeId, message, OWNER_ANSWER_MS);
        } catch (error) {
          const timedOut = error instanceof ProtocolError && error.reason === 'busy';
          const retryable = message.type !== 'request' || !(await registry.isAlive(owner.nodeId));
          if (!timedOut || !retryable || Date.now() > deadline) {
            throw error;
          }
        }
      } else if (Date.now() > deadline) {
        throw new ProtocolError('busy', 'the meeting is moving to another server: try again');
      }
      await pause(RETRY_EVERY_MS);
    }
  }

  /** Runs a message on this node's host (the owner). */
  async #apply(message: HostMessage, from: string): Promise<unknown> {
    const { host } = this.#options;
    switch (message.type) {
      case 'connected':
        return { accepted: host.connected(message.socketId, message.identity, message.recovered, from) };
      case 'request':
        return host.request(message.memberId, message.socketId, message.event, message.payload);
      case 'disconnected':
        host.disconnected(message.memberId, message.socketId, message.reason);
        return null;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  /** Another node's message for a meeting: served only while this node owns it. */
  async #fromNode(body: unknown, from: string): Promise<unknown> {
    const message = hostMessageSchema.parse(body);
    const roomId = message.type === 'connected' ? message.identity.room : message.roomId;
    // The sender believed this node owns the meeting; check (or claim: it may have just expired).
    const owner = await this.ownerOf(roomId);
    if (!owner.self) {
      throw new ProtocolError('busy', 'the meeting moved to another server: try again');
    }
    return this.#apply(message, from);
  }

  /** Members whose socket's node died are treated as dropped (they may recover on another node). */
  async #sweepNodes(): Promise<void> {
    if (this.#sweeping) {
      return;
    }
    this.#sweeping = true;
    try {
      const { host, registry } = this.#options;
      for (const nodeId of host.entryNodes()) {
        if (nodeId === registry.nodeId) {
          continue;
        }
        const asked = Date.now();
        const alive = await registry.isAlive(nodeId);
        // A late answer (Redis frozen, or just back) may come before the other node's own heartbeats,
        // queued behind the same outage: no proof that it died. The next sweep asks again.
        if (!alive && Date.now() - asked < SWEEP_EVERY_MS) {
          this.#options.logger.warn({ node: nodeId }, 'a signaling node is gone: its members may reconnect');
          host.nodeGone(nodeId);
        }
      }
    } finally {
      this.#sweeping = false;
    }
  }
}
