import type { Namespace } from 'socket.io';
import {
  ProtocolError,
  type IdentityKeys,
  type Joined,
  type MemberInfo,
  type MemberRole,
  type RequestHandlers,
  type roomRequests,
  type RoomClosedReason,
  type WaitingReason,
} from '@confidentiel/protocol';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { committeeHandlers } from '../committee/committeeHandlers.ts';
import type { CommitteeHooks } from '../committee/CommitteeService.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import { isModerator, mayPublish } from '../rooms/permissions.ts';
import { ADMISSION_GRACE_MS, type Admissions } from '../rooms/Admissions.ts';
import { hostsChannel, memberChannel } from '../rooms/channels.ts';
import type { EndedMeetings } from '../rooms/EndedMeetings.ts';
import type { Revocations } from '../rooms/Revocations.ts';
import type { RoleOverrides } from '../rooms/RoleOverrides.ts';
import type { RoomQueue } from '../rooms/RoomQueue.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { Identity } from '../rooms/verifyRoomToken.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import { moderationHandlers } from './moderationHandlers.ts';

/** The live sessions of this node, by member id. */
export interface SessionDirectory {
  get(memberId: string): MemberSession | undefined;
}

export interface SessionDeps {
  meetings: MeetingStore;
  state: RoomState;
  sfu: SfuClient;
  logger: Logger;
  now: () => number;
  /** Chat messages per member (sealed text is still a flood vector). */
  chatLimiter: RateLimiterAbstract;
  /** ICE servers (TURN with this member's own credentials) and policy, made at join. */
  iceConfig: (memberId: string) => IceConfig;
  revocations: Revocations;
  /** Who was let in: what only admitted members may reach over HTTP (recordings) asks it. */
  admissions: Admissions;
  /** Roles moderators gave, outranking tokens (a demotion survives a reconnect). */
  roleOverrides: RoleOverrides;
  /** Meetings a host ended: nobody but a host enters until a host is back. */
  endedMeetings: EndedMeetings;
  /** Runs each room's sequences of state steps one at a time (shared by every session of this node). */
  queue: RoomQueue;
  directory: SessionDirectory;
  /** A fresh room token for this member with its current role. */
  issueToken: (identity: Identity, role: MemberRole) => { token: string; jti: string; expiresAt: number };
  /** Whether the invite a token came from was revoked since (a revoked link lets nobody in). */
  inviteRevoked: (inviteId: string) => Promise<boolean>;
  /** Called when a moderator removes a member (revokes a personal invite). */
  onRemoved: (identity: Identity) => Promise<void>;
  /** How long revocations of a removed member last (longer than any token). */
  revocationMs: number;
  /** Committee sessions: their requests, attendance and session journal. */
  committee: CommitteeHooks;
}

/**
 * Where a session stands. `idle`: connected, not in the meeting (yet, or
 * again after the media server lost the room); `joining`: a join or an
 * admission under way; `waiting`: in the lobby; `joined`: in the room;
 * `left`: over, for good.
 */
export type Phase = 'idle' | 'joining' | 'waiting' | 'joined' | 'left';

/**
 * What the room state holds of this member, i.e. what leaving must take
 * back. Changed only by steps run in the room's queue, so a departure queued
 * behind an arrival in flight sees what the arrival added.
 */
type Presence = 'none' | 'lobby' | 'member';

function unreachable(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}

/** What entering the room found and did (the rest of the `joined` answer). */
interface Entered {
  self: MemberInfo;
  members: MemberInfo[];
  producers: Joined['producers'];
  locked: boolean;
}

/**
 * The part of a Socket.IO socket a session uses. Socket.IO's `Socket` is
 * one; a cluster's `MemberLink` (a socket id reached through the namespace,
 * on whatever node the socket is) is another.
 */
export interface SessionSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly nsp: Namespace;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  disconnect(): unknown;
}

/** What a new owner restores of a session it takes over (see cluster/SessionRecords.ts). */
export interface RestoredSession {
  phase: 'joined' | 'waiting';
  keys: IdentityKeys | null;
  role: MemberRole;
}

/**
 * One browser connection. Not in the room until admitted: `join` either
 * enters at once (hosts; guests when a host is present or early entry is
 * allowed) or waits in the lobby until a host admits. Every other request is
 * refused until then. Leaving (or disconnecting) releases the member's media
 * on the SFU and tells the others.
 */
export class MemberSession {
  #socket: SessionSocket;
  readonly #identity: Identity;
  readonly #deps: SessionDeps;
  #phase: Phase = 'idle';
  #presence: Presence = 'none';
  /** Set by the first `leave` (or `detach`): every later call waits for the same departure. */
  #left: Promise<void> | undefined;
  #role: MemberRole;
  #keys: IdentityKeys | null = null;
  #expiresAtMs: number;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * A session another node ran, carried on here after this node took the
   * meeting over: in the room or its lobby as it was, nothing announced (the
   * room already knows it), its state already in the shared room state.
   */
  static restore(
    socket: SessionSocket,
    identity: Identity,
    deps: SessionDeps,
    restored: RestoredSession,
  ): MemberSession {
    const session = new MemberSession(socket, identity, deps);
    session.#phase = restored.phase;
    session.#presence = restored.phase === 'joined' ? 'member' : 'lobby';
    session.#keys = restored.keys;
    session.#role = restored.role;
    return session;
  }

  constructor(socket: SessionSocket, identity: Identity, deps: SessionDeps) {
    this.#socket = socket;
    this.#identity = identity;
    this.#deps = deps;
    // A moderator's change of role outranks the token's: read at join.
    this.#role = identity.role;
    this.#expiresAtMs = identity.exp * 1000;
    this.#armExpiry();
  }

  get joined(): boolean {
    return this.#phase === 'joined';
  }

  get waiting(): boolean {
    return this.#phase === 'waiting';
  }

  get roomId(): string {
    return this.#identity.room;
  }

  get memberId(): string {
    return this.#identity.sub;
  }

  get role(): MemberRole {
    return this.#role;
  }

  get identity(): Identity {
    return this.#identity;
  }

  get socket(): SessionSocket {
    return this.#socket;
  }

  /** Where the session stands, and what a new owner would need to carry it on. */
  get record(): (RestoredSession & { socketId: string }) | null {
    if (this.#phase !== 'joined' && this.#phase !== 'waiting') {
      return null;
    }
    return { phase: this.#phase, keys: this.#keys, role: this.#role, socketId: this.#socket.id };
  }

  /** Same member, new connection (Socket.IO recovered the session after a drop). */
  rebind(socket: SessionSocket, tokenExp: number): void {
    this.#socket = socket;
    // The recovered connection presented a (maybe refreshed) token: it sets the deadline now.
    this.#expiresAtMs = tokenExp * 1000;
    this.#armExpiry();
    // Socket.IO gave the socket back the rooms of its last saved session, which may predate an
    // admission or a change of role (its node died just after): in the channels it should be in, out of the others.
    const channels = [memberChannel(this.memberId)];
    if (this.#phase === 'joined') {
      channels.push(this.roomId);
    } else {
      void socket.leave(this.roomId);
    }
    if (this.#phase === 'joined' && isModerator(this.#role)) {
      channels.push(hostsChannel(this.roomId));
    } else {
      void socket.leave(hostsChannel(this.roomId));
    }
    void socket.join(channels);
  }

  /** Throws unless admitted; the scope every media request runs in. */
  scope(): { roomId: string; memberId: string } {
    switch (this.#phase) {
      case 'joined':
        return { roomId: this.roomId, memberId: this.memberId };
      case 'waiting':
        throw new ProtocolError('not-admitted', 'waiting for a host to admit you');
      case 'idle':
      case 'joining':
      case 'left':
        throw new ProtocolError('not-joined', 'join the room first');
      default:
        return unreachable(this.#phase);
    }
  }

  /** In the meeting: in the room, or in its lobby. */
  #inMeeting(): boolean {
    switch (this.#phase) {
      case 'waiting':
      case 'joined':
        return true;
      case 'idle':
      case 'joining':
      case 'left':
        return false;
      default:
        return unreachable(this.#phase);
    }
  }

  async #ownsProducer(producerId: string): Promise<void> {
    const producers = await this.#deps.state.producers(this.roomId);
    const producer = producers.find((p) => p.producerId === producerId);
    if (!producer || producer.memberId !== this.memberId) {
      throw new ProtocolError('not-found', 'producer not found');
    }
  }

  /** Runs `task` in this room's queue (see RoomQueue). */
  #inRoomQueue<T>(task: () => Promise<T>): Promise<T> {
    return this.#deps.queue.run(this.roomId, task);
  }

  #armExpiry(): void {
    clearTimeout(this.#expiryTimer);
    // A token that is not refreshed in time ends the session (tokens live minutes).
    const delay = Math.max(0, this.#expiresAtMs - this.#deps.now());
    this.#expiryTimer = setTimeout(() => {
      this.#deps.logger.info({ member: this.memberId.slice(0, 6) }, 'room token expired');
      void this.end('token-expired');
    }, delay);
    this.#expiryTimer.unref();
  }

  async #revoked(): Promise<boolean> {
    const { revocations } = this.#deps;
    return (
      (await revocations.isRevoked('sub', this.memberId)) ||
      (await revocations.isRevoked('jti', this.#identity.jti))
    );
  }

  /** Why this member must wait, or null to enter now. */
  async #waitingReason(allowEarlyEntry: boolean): Promise<WaitingReason | null> {
    const { state } = this.#deps;
    // The organiser's own host token enters; anyone invited with admission waits, co-hosts too.
    if (this.#role === 'host') {
      return null;
    }
    if (this.#identity.lobby) {
      return 'admission';
    }
    if (isModerator(this.#role)) {
      return null;
    }
    if (await state.isLocked(this.roomId)) {
      return 'locked';
    }
    const hostNeeded = !allowEarlyEntry || (await this.#deps.endedMeetings.isEnded(this.roomId));
    if (hostNeeded && !(await state.hasHost(this.roomId))) {
      return 'no-host';
    }
    return null;
  }

  /**
   * In the room's queue: decides between the lobby and the room, and enters
   * the lobby if so, in one go (a host arriving in between would not see this
   * guest waiting, and the guest would not see the host).
   */
  async #decide(allowEarlyEntry: boolean): Promise<WaitingReason | null> {
    if (this.#phase !== 'joining' || !this.#socket.connected) {
      throw new ProtocolError('not-joined', 'disconnected while joining');
    }
    const reason = await this.#waitingReason(allowEarlyEntry);
    if (reason !== null) {
      await this.#enterLobby(reason);
    }
    return reason;
  }

  handlers(): RequestHandlers<typeof roomRequests> {
    const { sfu, state } = this.#deps;
    return {
      join: async ({ identity }) => {
        if (this.#phase !== 'idle') {
          throw new ProtocolError('already-joined', 'already joined');
        }
        this.#phase = 'joining';
        try {
          const meeting = await this.#deps.meetings.get(this.roomId);
          if (!meeting) {
            throw new ProtocolError('room-not-found', 'room not found');
          }
          this.#role = (await this.#deps.roleOverrides.get(this.memberId)) ?? this.#role;
          if (await this.#revoked()) {
            throw new ProtocolError('removed', 'you were removed from this meeting');
          }
          if (
            this.#identity.invite !== undefined &&
            (await this.#deps.inviteRevoked(this.#identity.invite))
          ) {
            throw new ProtocolError('invite-invalid', 'this invitation is no longer valid');
          }
          this.#keys = identity;
          const reason = await this.#inRoomQueue(() => this.#decide(meeting.allowEarlyEntry));
          if (reason !== null) {
            this.#deps.logger.info(
              { room: this.roomId.slice(0, 6), member: this.memberId.slice(0, 6), reason },
              'member waiting',
            );
            return { status: 'waiting' as const, reason };
          }
          return await this.#enter();
        } catch (error) {
          if (this.#phase === 'joining') {
            this.#phase = 'idle';
          }
          throw error;
        }
      },
      createTransport: ({ direction }) =>
        sfu.request('createWebRtcTransport', { ...this.scope(), direction }),
      connectTransport: (request) => sfu.request('connectTransport', { ...this.scope(), ...request }),
      produce: async (request) => {
        const scope = this.scope();
        if (!mayPublish(this.#role)) {
          throw new ProtocolError('forbidden', 'observers do not publish media');
        }
        const { producerId } = await sfu.request('produce', { ...scope, ...request });
        const producer = {
          producerId,
          memberId: this.memberId,
          kind: request.kind,
          source: request.source,
          paused: false,
        };
        await this.#inRoomQueue(async () => {
          // Left meanwhile: the departure took the member's producers already, and the SFU closes this one.
          if (this.#presence !== 'member') {
            return;
          }
          await state.addProducer(this.roomId, producer);
          this.#socket.to(this.roomId).emit('producerAdded', { producer });
        });
        return { producerId };
      },
      closeProducer: async ({ producerId }) => {
        this.scope();
        await this.#ownsProducer(producerId);
        await this.closeProducers([producerId]);
        return {};
      },
      setProducerPaused: async ({ producerId, paused }) => {
        const scope = this.scope();
        await this.#ownsProducer(producerId);
        await sfu.request('setProducerPaused', { ...scope, producerId, paused });
        await this.#inRoomQueue(async () => {
          await state.setProducerPaused(this.roomId, producerId, paused);
          this.#socket
            .to(this.roomId)
            .emit('producerPaused', { producerId, memberId: this.memberId, paused });
        });
        return {};
      },
      consume: (request) => sfu.request('consume', { ...this.scope(), ...request }),
      resumeConsumer: (request) => sfu.request('resumeConsumer', { ...this.scope(), ...request }),
      setConsumerLayers: (request) => sfu.request('setConsumerLayers', { ...this.scope(), ...request }),
      relayKey: async ({ to, envelope }) => {
        const scope = this.scope();
        // Only a member admitted to the same room can receive key material (never the lobby).
        if (to === scope.memberId || !(await state.hasMember(scope.roomId, to))) {
          throw new ProtocolError('not-found', 'member not found');
        }
        this.#socket.nsp.to(memberChannel(to)).emit('keyEnvelope', { from: scope.memberId, envelope });
        return {};
      },
      sendChat: async ({ ciphertext }) => {
        const scope = this.scope();
        await this.#deps.chatLimiter.consume(scope.memberId).catch(() => {
          throw new ProtocolError('rate-limited', 'too many chat messages');
        });
        const sentAt = this.#deps.now();
        this.#socket.to(scope.roomId).emit('chatMessage', { from: scope.memberId, ciphertext, sentAt });
        return { sentAt };
      },
      leave: async () => {
        if (!this.#inMeeting()) {
          throw new ProtocolError('not-joined', 'join the room first');
        }
        await this.leave();
        return {};
      },
      refreshToken: async () => {
        if (!this.#inMeeting()) {
          throw new ProtocolError('not-joined', 'join the room first');
        }
        if (await this.#revoked()) {
          throw new ProtocolError('removed', 'you were removed from this meeting');
        }
        const { token, expiresAt } = this.#deps.issueToken(this.#identity, this.#role);
        this.#expiresAtMs = expiresAt * 1000;
        this.#armExpiry();
        return { token, expiresAt };
      },
      ...moderationHandlers(this, this.#deps),
      ...committeeHandlers(this, this.#deps.committee),
    };
  }

  /** In the room's queue (see #decide). */
  async #enterLobby(reason: WaitingReason): Promise<void> {
    const { state, now } = this.#deps;
    await state.addWaiting(this.roomId, {
      memberId: this.memberId,
      displayName: this.#identity.name,
      waitingSince: now(),
      needsAdmission: reason !== 'no-host',
    });
    this.#presence = 'lobby';
    this.#phase = 'waiting';
    void this.#socket.join(memberChannel(this.memberId));
    // A guest in the lobby must recover a dropped connection too (its node may die): see #firstEvent.
    this.#firstEvent(await state.isLocked(this.roomId));
    await this.#notifyLobby();
  }

  /** Tells the room's hosts who waits now (in the room's queue, so that these notices keep their order). */
  async #notifyLobby(): Promise<void> {
    const waiting = await this.#deps.state.waiting(this.roomId);
    this.#socket.nsp.to(hostsChannel(this.roomId)).emit('lobbyChanged', { waiting });
  }

  async #enter(): Promise<Joined> {
    const { sfu, state } = this.#deps;
    this.#phase = 'joining';
    const { rtpCapabilities } = await sfu.request('getRouterRtpCapabilities', { roomId: this.roomId });
    const entered = await this.#inRoomQueue(() => this.#enterRoom());
    if (!entered) {
      // Nobody else may be left to close the room this join just made on the SFU.
      if ((await state.members(this.roomId)).length === 0) {
        await sfu.request('closeRoom', { roomId: this.roomId }).catch(() => undefined);
      }
      throw new ProtocolError('not-joined', 'disconnected while joining');
    }
    if (isModerator(this.#role)) {
      // A host's arrival lets in those who only waited for one.
      queueMicrotask(() => {
        this.#admitEarlyArrivals().catch((error: unknown) => {
          this.#deps.logger.warn({ err: error }, 'could not let in the guests waiting for a host');
        });
      });
    }
    return {
      status: 'joined',
      self: entered.self,
      members: entered.members,
      producers: entered.producers,
      routerRtpCapabilities: rtpCapabilities,
      ...this.#deps.iceConfig(this.memberId),
      room: { locked: entered.locked },
    };
  }

  /**
   * In the room's queue: reads the room and adds this member in one go, so
   * that every other member and producer is either in the answer or in an
   * event this member gets. Undefined if the member left or disconnected
   * meanwhile (nothing added).
   */
  async #enterRoom(): Promise<Entered | undefined> {
    const { state, logger } = this.#deps;
    if (this.#phase !== 'joining' || !this.#socket.connected || this.#keys === null) {
      return undefined;
    }
    const [senderIndex, everyone, allProducers] = await Promise.all([
      state.nextSenderIndex(this.roomId),
      state.members(this.roomId),
      state.producers(this.roomId),
    ]);
    const self: MemberInfo = {
      memberId: this.memberId,
      displayName: this.#identity.name,
      joinedAt: this.#deps.now(),
      identity: this.#keys,
      senderIndex,
      role: this.#role,
    };
    const members = everyone.filter((m) => m.memberId !== this.memberId);
    const producers = allProducers.filter((p) => p.memberId !== this.memberId);
    await state.addMember(this.roomId, self);
    this.#presence = 'member';
    await this.#deps.admissions.entered(this.roomId, this.memberId);
    if (this.#phase === 'joining') {
      this.#phase = 'joined';
    }
    const channels = [this.roomId, memberChannel(this.memberId)];
    if (isModerator(this.#role)) {
      channels.push(hostsChannel(this.roomId));
    }
    await this.#socket.join(channels);
    const locked = await state.isLocked(this.roomId);
    this.#firstEvent(locked);
    this.#socket.to(this.roomId).emit('memberJoined', { member: self });
    this.#deps.committee.memberJoined(this);
    logger.info({ room: this.roomId.slice(0, 6), member: this.memberId.slice(0, 6) }, 'member joined');
    if (this.#role === 'host') {
      await this.#deps.endedMeetings.reopen(this.roomId);
    }
    if (isModerator(this.#role)) {
      this.#socket.emit('lobbyChanged', { waiting: await state.waiting(this.roomId) });
    }
    return { self, members, producers, locked };
  }

  /**
   * Socket.IO can recover a dropped connection only for a client that has
   * received at least one broadcast (it resumes from that offset): send one.
   */
  #firstEvent(locked: boolean): void {
    this.#socket.nsp.to(memberChannel(this.memberId)).emit('roomUpdated', { locked });
  }

  async #admitEarlyArrivals(): Promise<void> {
    const { state, directory } = this.#deps;
    for (const entry of await state.waiting(this.roomId)) {
      if (!entry.needsAdmission) {
        await directory.get(entry.memberId)?.admit();
      }
    }
  }

  /** Lets a waiting member in (a host admitted them, or a host arrived). False if not waiting. */
  async admit(): Promise<boolean> {
    if (this.#phase !== 'waiting') {
      return false;
    }
    this.#phase = 'joining';
    try {
      await this.#inRoomQueue(async () => {
        await this.#deps.state.removeWaiting(this.roomId, this.memberId);
        this.#presence = 'none';
        await this.#notifyLobby();
      });
      const joined = await this.#enter();
      this.#socket.emit('admitted', joined);
      return true;
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'could not admit a waiting member');
      await this.leave();
      this.#socket.disconnect();
      return false;
    }
  }

  /** A host refused a waiting member: they are told, and their token dies. False if not waiting. */
  async refuseEntry(): Promise<boolean> {
    if (this.#phase !== 'waiting') {
      return false;
    }
    // Revoked before the member hears of it: an immediate rejoin is refused.
    await this.#revoke();
    void this.end('admission-refused');
    return true;
  }

  /** A moderator removed this member: token, member id and personal invite revoked, then out. */
  async remove(): Promise<void> {
    await this.#revoke();
    await this.#deps.onRemoved(this.#identity).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, 'could not revoke the invite of a removed member');
    });
    await this.end('removed');
  }

  async #revoke(): Promise<void> {
    const { revocations, admissions } = this.#deps;
    const until = this.#deps.now() + this.#deps.revocationMs;
    await Promise.all([
      revocations.revoke('sub', this.memberId, until),
      revocations.revoke('jti', this.#identity.jti, until),
    ]);
    await admissions.withdrawn(this.roomId, this.memberId);
  }

  /** Changes this member's role (a moderator's decision, already authorised). */
  async setRole(role: MemberRole): Promise<MemberInfo | undefined> {
    const { state } = this.#deps;
    const wasModerator = isModerator(this.#role);
    this.#role = role;
    await this.#deps.roleOverrides.set(this.memberId, role, this.#deps.now() + this.#deps.revocationMs);
    const member = await this.#inRoomQueue(async () => {
      const updated = await state.setRole(this.roomId, this.memberId, role);
      if (updated && isModerator(role) && !wasModerator) {
        await this.#socket.join(hostsChannel(this.roomId));
        this.#socket.emit('lobbyChanged', { waiting: await state.waiting(this.roomId) });
      } else if (updated && !isModerator(role) && wasModerator) {
        await this.#socket.leave(hostsChannel(this.roomId));
      }
      return updated;
    });
    if (!member) {
      return undefined;
    }
    if (!mayPublish(role)) {
      const producers = await state.producers(this.roomId);
      await this.closeProducers(
        producers.filter((p) => p.memberId === this.memberId).map((p) => p.producerId),
      );
    }
    this.#socket.nsp.to(this.roomId).emit('memberUpdated', { member });
    return member;
  }

  /** Closes some of this member's producers on the SFU and tells the room (and the member). */
  async closeProducers(producerIds: readonly string[]): Promise<void> {
    const { sfu, state } = this.#deps;
    for (const producerId of producerIds) {
      await sfu.request('closeProducer', { roomId: this.roomId, memberId: this.memberId, producerId });
      await this.#inRoomQueue(async () => {
        if (await state.removeProducer(this.roomId, producerId)) {
          this.#socket.nsp.to(this.roomId).emit('producerClosed', { producerId, memberId: this.memberId });
        }
      });
    }
  }

  /** Ends this member's session: tells them why, leaves, disconnects. Idempotent. */
  async end(reason: RoomClosedReason): Promise<void> {
    if (this.#phase === 'left') {
      return;
    }
    this.#socket.emit('roomClosed', { reason });
    await this.leave();
    // Without `close`: the disconnect packet follows the event above, in order.
    this.#socket.disconnect();
  }

  /**
   * Leaves the meeting: takes back what the room state holds of this member
   * and tells the room, then releases the member's media on the SFU.
   * Idempotent, and never rejects (a failure is logged).
   */
  leave(): Promise<void> {
    if (this.#left) {
      return this.#left;
    }
    this.#phase = 'left';
    clearTimeout(this.#expiryTimer);
    this.#left = this.#inRoomQueue(() => this.#release())
      .then((wasMember) => (wasMember ? this.#releaseMedia() : undefined))
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error }, 'could not take back the place of a member who left');
      });
    return this.#left;
  }

  /** In the room's queue. True if the member was in the room (their media must go too). */
  async #release(): Promise<boolean> {
    const { state, logger } = this.#deps;
    const roomId = this.roomId;
    const presence = this.#presence;
    this.#presence = 'none';
    switch (presence) {
      case 'none':
        return false;
      case 'lobby':
        await state.removeWaiting(roomId, this.memberId);
        await this.#notifyLobby();
        return false;
      case 'member':
        break;
      default:
        return unreachable(presence);
    }
    try {
      const removed = await state.removeMember(roomId, this.memberId);
      await this.#deps.admissions.left(roomId, this.memberId, this.#deps.now() + ADMISSION_GRACE_MS);
      for (const producer of removed) {
        this.#socket
          .to(roomId)
          .emit('producerClosed', { producerId: producer.producerId, memberId: this.memberId });
      }
      this.#socket.to(roomId).emit('memberLeft', { memberId: this.memberId });
    } catch (error) {
      // The media goes all the same.
      logger.error({ err: error }, 'could not remove a member who left from the room state');
    }
    this.#deps.committee.memberLeft(this);
    void this.#socket.leave(roomId);
    void this.#socket.leave(hostsChannel(roomId));
    logger.info({ room: roomId.slice(0, 6), member: this.memberId.slice(0, 6) }, 'member left');
    return true;
  }

  async #releaseMedia(): Promise<void> {
    const { state, sfu, logger } = this.#deps;
    const roomId = this.roomId;
    try {
      await sfu.request('closeMember', { roomId, memberId: this.memberId });
      if ((await state.members(roomId)).length === 0) {
        await sfu.request('closeRoom', { roomId });
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not release media of a member that left');
    }
  }

  /** The room's media server went away (its state is cleared): forget the membership without telling the SFU. */
  async forget(): Promise<void> {
    if (this.#phase === 'joined') {
      this.#phase = 'idle';
      this.#presence = 'none';
      this.#deps.committee.memberLeft(this);
      await this.#deps.admissions.left(this.roomId, this.memberId, this.#deps.now() + ADMISSION_GRACE_MS);
    }
    void this.#socket.leave(this.roomId);
    void this.#socket.leave(hostsChannel(this.roomId));
  }

  /**
   * This node no longer owns the meeting (another node took it over): the
   * session stops here, touching neither the shared state nor the SFU, which
   * are the new owner's now.
   */
  detach(): void {
    this.#phase = 'left';
    this.#presence = 'none';
    clearTimeout(this.#expiryTimer);
    this.#left ??= Promise.resolve();
  }
}
