import type { Namespace } from 'socket.io';
import type { Logger } from 'pino';
import { ProtocolError, isRequestName, parseRequest, roomRequests } from '@confidentiel/protocol';
import type { Identity } from '../socket/authenticate.ts';
import { memberChannel } from '../rooms/channels.ts';
import { MemberSession, type SessionDeps } from '../socket/MemberSession.ts';
import { MemberLink } from './MemberLink.ts';
import type { SessionRecord, SessionRecords } from './SessionRecords.ts';

/** A connection that has not joined within this time is dropped. */
export const JOIN_TIMEOUT_MS = 20_000;
/** A request's answer waits at most this for the room's sessions to be replicated (Redis slow or away). */
export const REPLICATE_BEFORE_ANSWER_MS = 1_000;
/** A dropped connection may come back and recover its session within this time. */
export const RECOVERY_WINDOW_MS = 15_000;
/** Disconnect reasons after which the client may come back and recover. */
export const RECOVERABLE: ReadonlySet<string> = new Set([
  'transport close',
  'transport error',
  'ping timeout',
]);

export interface MeetingHostOptions {
  nsp: Namespace;
  /** Everything a session needs but the directory, which is this host's. */
  sessionDeps: Omit<SessionDeps, 'directory'>;
  logger: Logger;
  /** Where this owner replicates its members' sessions, for a takeover. */
  records: SessionRecords;
  /** This node's fence for a meeting it owns (every replicated write carries it). */
  fenceOf: (roomId: string) => string | undefined;
  joinTimeoutMs?: number;
  recoveryWindowMs?: number;
}

interface Hosted {
  session: MemberSession;
  link: MemberLink;
  /** The node the member's socket is on. */
  entryNode: string;
}

/**
 * The members of the meetings this node owns, wherever their sockets are:
 * one MemberSession each, reached through a MemberLink. The entry node of a
 * socket tells this host when it connects (first time or recovered), hands
 * it every request, and says when it disconnects; this host keeps a dropped
 * member's place for the recovery window, replaces a member's older
 * connection by a newer one, and drops a connection that never joins.
 */
export class MeetingHost {
  readonly #options: MeetingHostOptions;
  readonly #members = new Map<string, Hosted>();
  readonly #pendingLeaves = new Map<string, ReturnType<typeof setTimeout>>();
  /** What was last replicated of each member (JSON), to write only changes. */
  readonly #replicated = new Map<string, { roomId: string; json: string }>();
  #closed = false;

  constructor(options: MeetingHostOptions) {
    this.#options = options;
  }

  /** The session of a member of a meeting this node owns. */
  session(memberId: string): MemberSession | undefined {
    return this.#members.get(memberId)?.session;
  }

  /** Members of `roomId` hosted here (joined, waiting or not yet either). */
  sessionsOf(roomId: string): MemberSession[] {
    return [...this.#members.values()].filter((h) => h.session.roomId === roomId).map((h) => h.session);
  }

  /** The nodes this host's members' sockets are on. */
  entryNodes(): Set<string> {
    return new Set([...this.#members.values()].map((h) => h.entryNode));
  }

  /** Members whose socket is on `nodeId`. */
  membersOnNode(nodeId: string): Array<{ memberId: string; socketId: string }> {
    return [...this.#members.entries()]
      .filter(([, h]) => h.entryNode === nodeId)
      .map(([memberId, h]) => ({ memberId, socketId: h.link.id }));
  }

  /**
   * A socket of `identity` connected on `entryNode`. False: its session is
   * over (it was recovered by Socket.IO after the member left, was removed or
   * expired), and the entry node must close it.
   */
  connected(socketId: string, identity: Identity, recovered: boolean, entryNode: string): boolean {
    const { nsp, logger } = this.#options;
    const previous = this.#members.get(identity.sub);
    const pending = this.#pendingLeaves.get(identity.sub);
    const live = previous !== undefined && (previous.session.joined || previous.session.waiting);
    // Socket.IO gave the socket its id back: the same connection, come back in time (to this node or another).
    const sameConnection = live && (pending !== undefined || previous.link.id === socketId);
    if (recovered && !sameConnection) {
      logger.info({ member: identity.sub.slice(0, 6) }, 'recovery refused: the session is over');
      return false;
    }
    if (previous && recovered && sameConnection) {
      if (pending !== undefined) {
        clearTimeout(pending);
        this.#pendingLeaves.delete(identity.sub);
      }
      const link = new MemberLink(nsp, socketId);
      previous.link = link;
      previous.entryNode = entryNode;
      previous.session.rebind(link, identity.exp);
      logger.info({ member: identity.sub.slice(0, 6) }, 'connection recovered');
      void this.#replicate(identity.room);
      return true;
    }
    // The same member connecting again (a reload, a second tab) replaces the old connection.
    if (previous) {
      if (pending !== undefined) {
        clearTimeout(pending);
        this.#pendingLeaves.delete(identity.sub);
      }
      this.#members.delete(identity.sub);
      void previous.session.leave();
      nsp.in(memberChannel(identity.sub)).except(socketId).disconnectSockets(true);
    }
    const link = new MemberLink(nsp, socketId);
    const session = new MemberSession(link, identity, {
      ...this.#options.sessionDeps,
      directory: { get: (memberId) => this.session(memberId) },
    });
    this.#members.set(identity.sub, { session, link, entryNode });
    const timer = setTimeout(() => {
      if (this.#members.get(identity.sub)?.session === session && !session.joined && !session.waiting) {
        logger.info('dropping a connection that never joined');
        this.#members.delete(identity.sub);
        link.disconnect();
      }
    }, this.#options.joinTimeoutMs ?? JOIN_TIMEOUT_MS);
    timer.unref();
    void this.#replicate(identity.room);
    return true;
  }

  /** A request of a member, from the socket it is connected with; validated again here. */
  async request(memberId: string, socketId: string, event: string, payload: unknown): Promise<unknown> {
    const hosted = this.#members.get(memberId);
    if (!hosted || hosted.link.id !== socketId) {
      throw new ProtocolError('not-joined', 'connect again');
    }
    if (!isRequestName(roomRequests, event)) {
      throw new ProtocolError('unknown-event', 'unknown event');
    }
    const name = event;
    const request = parseRequest(roomRequests, name, payload);
    const handlers = hosted.session.handlers() as unknown as Record<string, (request: unknown) => unknown>;
    try {
      return await handlers[name]!(request);
    } finally {
      // A join, an admission, a role change... may have changed any member of the room. Replicated
      // before the answer goes out (bounded): an owner killed right after answering must not leave
      // a takeover with the member as it was before (say, not yet co-host).
      await this.#replicateBefore(hosted.session.roomId, REPLICATE_BEFORE_ANSWER_MS);
    }
  }

  async #replicateBefore(roomId: string, boundMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
    });
    await Promise.race([this.#replicate(roomId), bound]);
    clearTimeout(timer);
  }

  /** The member's socket disconnected (`reason` is Socket.IO's). */
  disconnected(memberId: string, socketId: string, reason: string): void {
    const hosted = this.#members.get(memberId);
    if (!hosted || hosted.link.id !== socketId) {
      return;
    }
    hosted.link.markDisconnected();
    const { session } = hosted;
    if (RECOVERABLE.has(reason) && (session.joined || session.waiting) && !this.#closed) {
      // The browser may come back within the recovery window; keep its place until then.
      if (this.#pendingLeaves.has(memberId)) {
        return;
      }
      const timer = setTimeout(() => {
        this.#pendingLeaves.delete(memberId);
        if (this.#members.get(memberId)?.session === session) {
          this.#members.delete(memberId);
        }
        void session.leave().then(() => this.#replicate(session.roomId));
      }, this.#options.recoveryWindowMs ?? RECOVERY_WINDOW_MS);
      timer.unref();
      this.#pendingLeaves.set(memberId, timer);
      return;
    }
    this.#members.delete(memberId);
    void session.leave().then(() => this.#replicate(session.roomId));
  }

  /** The node `nodeId` is gone: its sockets dropped (they may recover on another node). */
  nodeGone(nodeId: string): void {
    for (const { memberId, socketId } of this.membersOnNode(nodeId)) {
      this.disconnected(memberId, socketId, 'transport close');
    }
  }

  /**
   * This node no longer owns `roomId` (another node took it): forget its
   * members here without touching shared state, which is the new owner's.
   */
  drop(roomId: string): void {
    for (const [memberId, hosted] of [...this.#members]) {
      if (hosted.session.roomId !== roomId) {
        continue;
      }
      const pending = this.#pendingLeaves.get(memberId);
      if (pending !== undefined) {
        clearTimeout(pending);
        this.#pendingLeaves.delete(memberId);
      }
      this.#members.delete(memberId);
      this.#replicated.delete(memberId);
      hosted.session.detach();
    }
  }

  /**
   * This node just took `roomId` over (its owner died or handed it over):
   * carries on every session the old owner replicated, each through a link
   * to its socket wherever it is. Members whose socket's node is gone are
   * treated as dropped: they have the recovery window to come back.
   */
  async takeOver(roomId: string, isAlive: (nodeId: string) => Promise<boolean>): Promise<void> {
    const records = await this.#options.records.all(roomId);
    if (records.length === 0) {
      return;
    }
    const { nsp, logger } = this.#options;
    for (const record of records) {
      if (this.#members.has(record.memberId)) {
        continue;
      }
      const link = new MemberLink(nsp, record.socketId);
      const session = MemberSession.restore(
        link,
        record.identity,
        { ...this.#options.sessionDeps, directory: { get: (memberId) => this.session(memberId) } },
        { phase: record.phase, keys: record.keys, role: record.role },
      );
      this.#members.set(record.memberId, { session, link, entryNode: record.entryNode });
      this.#replicated.set(record.memberId, { roomId, json: JSON.stringify(record) });
    }
    for (const record of records) {
      if (!(await isAlive(record.entryNode))) {
        this.disconnected(record.memberId, record.socketId, 'transport close');
      }
    }
    logger.info({ room: roomId.slice(0, 6), members: records.length }, 'meeting taken over');
  }

  /**
   * Redis came back without `roomId` (restarted empty) and this node
   * re-established its lease: writes every session of the room again.
   */
  rewrite(roomId: string): void {
    for (const [memberId, written] of [...this.#replicated]) {
      if (written.roomId === roomId) {
        this.#replicated.delete(memberId);
      }
    }
    void this.#replicate(roomId);
  }

  /**
   * Writes what changed of the room's sessions to the replica (fenced).
   * Resolves once written (never rejects: a failure is logged, and the next
   * replication of the room tries again).
   */
  #replicate(roomId: string): Promise<void> {
    const fence = this.#options.fenceOf(roomId);
    if (fence === undefined) {
      return Promise.resolve();
    }
    const writes: Promise<void>[] = [];
    const present = new Set<string>();
    for (const [memberId, hosted] of this.#members) {
      if (hosted.session.roomId !== roomId) {
        continue;
      }
      const state = hosted.session.record;
      if (state === null) {
        continue;
      }
      present.add(memberId);
      const record: SessionRecord = {
        memberId,
        socketId: state.socketId,
        entryNode: hosted.entryNode,
        identity: hosted.session.identity,
        phase: state.phase,
        keys: state.keys,
        role: state.role,
      };
      const json = JSON.stringify(record);
      if (this.#replicated.get(memberId)?.json !== json) {
        const written = { roomId, json };
        this.#replicated.set(memberId, written);
        writes.push(
          this.#options.records.put(roomId, record, fence).catch((error: unknown) => {
            // Not written: the next replication of the room tries again.
            if (this.#replicated.get(memberId) === written) {
              this.#replicated.delete(memberId);
            }
            throw error;
          }),
        );
      }
    }
    for (const [memberId, written] of this.#replicated) {
      if (written.roomId === roomId && !present.has(memberId)) {
        this.#replicated.delete(memberId);
        writes.push(this.#options.records.remove(roomId, memberId, fence));
      }
    }
    return Promise.all(writes).then(
      () => undefined,
      (error: unknown) => this.#options.logger.warn({ err: error }, 'sessions not replicated'),
    );
  }

  /** Stops the timers; gives the sessions still here (the caller makes them leave). */
  close(): MemberSession[] {
    this.#closed = true;
    for (const timer of this.#pendingLeaves.values()) {
      clearTimeout(timer);
    }
    this.#pendingLeaves.clear();
    const sessions = [...this.#members.values()].map((h) => h.session);
    this.#members.clear();
    return sessions;
  }
}
