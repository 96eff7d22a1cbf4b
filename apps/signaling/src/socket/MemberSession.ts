import type { Socket } from 'socket.io';
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
import type { Revocations } from '../rooms/Revocations.ts';
import type { RoleOverrides } from '../rooms/RoleOverrides.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import type { Identity } from './authenticate.ts';
import { hostsChannel, memberChannel } from './channels.ts';
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
  /** Rooms a host ended: nobody but a host enters until a host is back. */
  endedRooms: Set<string>;
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

type Phase = 'idle' | 'joining' | 'waiting' | 'joined' | 'left';

/**
 * One browser connection. Not in the room until admitted: `join` either
 * enters at once (hosts; guests when a host is present or early entry is
 * allowed) or waits in the lobby until a host admits. Every other request is
 * refused until then. Leaving (or disconnecting) releases the member's media
 * on the SFU and tells the others.
 */
export class MemberSession {
  #socket: Socket;
  readonly #identity: Identity;
  readonly #deps: SessionDeps;
  #phase: Phase = 'idle';
  #role: MemberRole;
  #keys: IdentityKeys | null = null;
  #expiresAtMs: number;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: Socket, identity: Identity, deps: SessionDeps) {
    this.#socket = socket;
    this.#identity = identity;
    this.#deps = deps;
    this.#role = deps.roleOverrides.get(identity.sub) ?? identity.role;
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

  get socket(): Socket {
    return this.#socket;
  }

  /** Same member, new connection (Socket.IO recovered the session after a drop). */
  rebind(socket: Socket, tokenExp: number): void {
    this.#socket = socket;
    // The recovered connection presented a (maybe refreshed) token: it sets the deadline now.
    this.#expiresAtMs = tokenExp * 1000;
    this.#armExpiry();
  }

  /** Throws unless admitted; the scope every media request runs in. */
  scope(): { roomId: string; memberId: string } {
    if (this.#phase !== 'joined') {
      throw new ProtocolError(
        this.#phase === 'waiting' ? 'not-admitted' : 'not-joined',
        this.#phase === 'waiting' ? 'waiting for a host to admit you' : 'join the room first',
      );
    }
    return { roomId: this.roomId, memberId: this.memberId };
  }

  #ownsProducer(producerId: string): void {
    const producer = this.#deps.state.producers(this.roomId).find((p) => p.producerId === producerId);
    if (!producer || producer.memberId !== this.memberId) {
      throw new ProtocolError('not-found', 'producer not found');
    }
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

  #revoked(): boolean {
    const { revocations } = this.#deps;
    return revocations.isRevoked('sub', this.memberId) || revocations.isRevoked('jti', this.#identity.jti);
  }

  /** Why this member must wait, or null to enter now. */
  #waitingReason(allowEarlyEntry: boolean): WaitingReason | null {
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
    if (state.isLocked(this.roomId)) {
      return 'locked';
    }
    if ((!allowEarlyEntry || this.#deps.endedRooms.has(this.roomId)) && !state.hasHost(this.roomId)) {
      return 'no-host';
    }
    return null;
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
          if (this.#revoked()) {
            throw new ProtocolError('removed', 'you were removed from this meeting');
          }
          if (
            this.#identity.invite !== undefined &&
            (await this.#deps.inviteRevoked(this.#identity.invite))
          ) {
            throw new ProtocolError('invite-invalid', 'this invitation is no longer valid');
          }
          this.#keys = identity;
          const reason = this.#waitingReason(meeting.allowEarlyEntry);
          if (reason !== null) {
            this.#enterLobby(reason);
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
        state.addProducer(this.roomId, producer);
        this.#socket.to(this.roomId).emit('producerAdded', { producer });
        return { producerId };
      },
      closeProducer: async ({ producerId }) => {
        this.scope();
        this.#ownsProducer(producerId);
        await this.closeProducers([producerId]);
        return {};
      },
      setProducerPaused: async ({ producerId, paused }) => {
        const scope = this.scope();
        this.#ownsProducer(producerId);
        await sfu.request('setProducerPaused', { ...scope, producerId, paused });
        state.setProducerPaused(this.roomId, producerId, paused);
        this.#socket.to(this.roomId).emit('producerPaused', { producerId, memberId: this.memberId, paused });
        return {};
      },
      consume: (request) => sfu.request('consume', { ...this.scope(), ...request }),
      resumeConsumer: (request) => sfu.request('resumeConsumer', { ...this.scope(), ...request }),
      setConsumerLayers: (request) => sfu.request('setConsumerLayers', { ...this.scope(), ...request }),
      relayKey: ({ to, envelope }) => {
        const scope = this.scope();
        // Only a member admitted to the same room can receive key material (never the lobby).
        if (to === scope.memberId || !state.hasMember(scope.roomId, to)) {
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
        if (this.#phase !== 'joined' && this.#phase !== 'waiting') {
          throw new ProtocolError('not-joined', 'join the room first');
        }
        await this.leave();
        return {};
      },
      refreshToken: () => {
        if (this.#phase !== 'joined' && this.#phase !== 'waiting') {
          throw new ProtocolError('not-joined', 'join the room first');
        }
        if (this.#revoked()) {
          throw new ProtocolError('removed', 'you were removed from this meeting');
        }
        const { token, expiresAt } = this.#deps.issueToken(this.#identity, this.#role);
        this.#expiresAtMs = expiresAt * 1000;
        this.#armExpiry();
        return { token, expiresAt };
      },
      ...moderationHandlers(this, this.#deps),
      ...committeeHandlers(this, this.#deps),
    };
  }

  #enterLobby(reason: WaitingReason): void {
    const { state, now, logger } = this.#deps;
    state.addWaiting(this.roomId, {
      memberId: this.memberId,
      displayName: this.#identity.name,
      waitingSince: now(),
      needsAdmission: reason !== 'no-host',
    });
    this.#phase = 'waiting';
    void this.#socket.join(memberChannel(this.memberId));
    this.notifyLobby();
    logger.info(
      { room: this.roomId.slice(0, 6), member: this.memberId.slice(0, 6), reason },
      'member waiting',
    );
  }

  /** Tells the room's hosts who waits now. */
  notifyLobby(): void {
    this.#socket.nsp
      .to(hostsChannel(this.roomId))
      .emit('lobbyChanged', { waiting: this.#deps.state.waiting(this.roomId) });
  }

  async #enter(): Promise<Joined> {
    const { sfu, state, logger } = this.#deps;
    this.#phase = 'joining';
    const { rtpCapabilities } = await sfu.request('getRouterRtpCapabilities', { roomId: this.roomId });
    if (!this.#socket.connected || this.#keys === null) {
      // Nobody else may be left to close the room this join just made on the SFU.
      if (state.members(this.roomId).length === 0) {
        await sfu.request('closeRoom', { roomId: this.roomId }).catch(() => undefined);
      }
      throw new ProtocolError('not-joined', 'disconnected while joining');
    }
    const self: MemberInfo = {
      memberId: this.memberId,
      displayName: this.#identity.name,
      joinedAt: this.#deps.now(),
      identity: this.#keys,
      senderIndex: state.nextSenderIndex(this.roomId),
      role: this.#role,
    };
    const members = state.members(this.roomId).filter((m) => m.memberId !== this.memberId);
    const producers = state.producers(this.roomId).filter((p) => p.memberId !== this.memberId);
    state.addMember(this.roomId, self);
    this.#deps.admissions.entered(this.roomId, this.memberId);
    this.#phase = 'joined';
    const channels = [this.roomId, memberChannel(this.memberId)];
    if (isModerator(this.#role)) {
      channels.push(hostsChannel(this.roomId));
    }
    await this.#socket.join(channels);
    this.#firstEvent();
    this.#socket.to(this.roomId).emit('memberJoined', { member: self });
    this.#deps.committee.memberJoined(this);
    logger.info({ room: this.roomId.slice(0, 6), member: this.memberId.slice(0, 6) }, 'member joined');
    if (this.#role === 'host') {
      this.#deps.endedRooms.delete(this.roomId);
    }
    if (isModerator(this.#role)) {
      this.#socket.emit('lobbyChanged', { waiting: state.waiting(this.roomId) });
      // A host's arrival lets in those who only waited for one.
      queueMicrotask(() => void this.#admitEarlyArrivals());
    }
    return {
      status: 'joined',
      self,
      members,
      producers,
      routerRtpCapabilities: rtpCapabilities,
      ...this.#deps.iceConfig(this.memberId),
      room: { locked: state.isLocked(this.roomId) },
    };
  }

  /**
   * Socket.IO can recover a dropped connection only for a client that has
   * received at least one broadcast (it resumes from that offset): send one.
   */
  #firstEvent(): void {
    this.#socket.nsp
      .to(memberChannel(this.memberId))
      .emit('roomUpdated', { locked: this.#deps.state.isLocked(this.roomId) });
  }

  async #admitEarlyArrivals(): Promise<void> {
    const { state, directory } = this.#deps;
    for (const entry of state.waiting(this.roomId)) {
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
    this.#deps.state.removeWaiting(this.roomId, this.memberId);
    this.notifyLobby();
    try {
      const joined = await this.#enter();
      this.#socket.emit('admitted', joined);
      return true;
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'could not admit a waiting member');
      this.#phase = 'left';
      this.#socket.disconnect();
      return false;
    }
  }

  /** A host refused a waiting member: they are told, and their token dies. False if not waiting. */
  refuseEntry(): boolean {
    if (this.#phase !== 'waiting') {
      return false;
    }
    this.#revoke();
    void this.end('admission-refused');
    return true;
  }

  /** A moderator removed this member: token, member id and personal invite revoked, then out. */
  async remove(): Promise<void> {
    this.#revoke();
    await this.#deps.onRemoved(this.#identity).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, 'could not revoke the invite of a removed member');
    });
    await this.end('removed');
  }

  #revoke(): void {
    const until = this.#deps.now() + this.#deps.revocationMs;
    this.#deps.revocations.revoke('sub', this.memberId, until);
    this.#deps.revocations.revoke('jti', this.#identity.jti, until);
    this.#deps.admissions.withdrawn(this.roomId, this.memberId);
  }

  /** Changes this member's role (a moderator's decision, already authorised). */
  async setRole(role: MemberRole): Promise<MemberInfo | undefined> {
    const { state } = this.#deps;
    const wasModerator = isModerator(this.#role);
    this.#role = role;
    this.#deps.roleOverrides.set(this.memberId, role, this.#deps.now() + this.#deps.revocationMs);
    const member = state.setRole(this.roomId, this.memberId, role);
    if (!member) {
      return undefined;
    }
    if (isModerator(role) && !wasModerator) {
      await this.#socket.join(hostsChannel(this.roomId));
      this.#socket.emit('lobbyChanged', { waiting: state.waiting(this.roomId) });
    } else if (!isModerator(role) && wasModerator) {
      await this.#socket.leave(hostsChannel(this.roomId));
    }
    if (!mayPublish(role)) {
      await this.closeProducers(
        state
          .producers(this.roomId)
          .filter((p) => p.memberId === this.memberId)
          .map((p) => p.producerId),
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
      if (state.removeProducer(this.roomId, producerId)) {
        this.#socket.nsp.to(this.roomId).emit('producerClosed', { producerId, memberId: this.memberId });
      }
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

  /** Releases the member's media and tells the room. Idempotent. */
  async leave(): Promise<void> {
    const phase = this.#phase;
    this.#phase = 'left';
    clearTimeout(this.#expiryTimer);
    const { state, sfu, logger } = this.#deps;
    const roomId = this.roomId;
    if (phase === 'waiting') {
      state.removeWaiting(roomId, this.memberId);
      this.notifyLobby();
      return;
    }
    if (phase !== 'joined') {
      return;
    }
    const removed = state.removeMember(roomId, this.memberId);
    this.#deps.admissions.left(roomId, this.memberId, this.#deps.now() + ADMISSION_GRACE_MS);
    for (const producer of removed) {
      this.#socket
        .to(roomId)
        .emit('producerClosed', { producerId: producer.producerId, memberId: this.memberId });
    }
    this.#socket.to(roomId).emit('memberLeft', { memberId: this.memberId });
    this.#deps.committee.memberLeft(this);
    void this.#socket.leave(roomId);
    void this.#socket.leave(hostsChannel(roomId));
    logger.info({ room: roomId.slice(0, 6), member: this.memberId.slice(0, 6) }, 'member left');
    try {
      await sfu.request('closeMember', { roomId, memberId: this.memberId });
      if (state.members(roomId).length === 0) {
        await sfu.request('closeRoom', { roomId });
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not release media of a member that left');
    }
  }

  /** The room's media server went away: forget the membership without telling the SFU. */
  forget(): void {
    if (this.#phase === 'joined') {
      this.#phase = 'idle';
      this.#deps.admissions.left(this.roomId, this.memberId, this.#deps.now() + ADMISSION_GRACE_MS);
      this.#deps.committee.memberLeft(this);
    }
    void this.#socket.leave(this.roomId);
    void this.#socket.leave(hostsChannel(this.roomId));
  }
}
