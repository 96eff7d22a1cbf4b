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
import { committeeHandlers } from '../committee/committeeHandlers.ts';
import { isModerator, mayPublish } from '../rooms/permissions.ts';
import { ADMISSION_GRACE_MS } from '../rooms/Admissions.ts';
import { hostsChannel, memberChannel } from '../rooms/channels.ts';
import type { Identity } from '../rooms/verifyRoomToken.ts';
import { admitEarlyArrivals, isRevoked, notifyLobby, revoke, waitingReason } from './admission.ts';
import { leaveRoom, releaseMedia } from './departure.ts';
import { meetingFacts, type MeetingFacts } from './meetingFacts.ts';
import { lobbyChatHandlers } from './lobbyChatHandlers.ts';
import { closeProducers, mediaHandlers } from './mediaHandlers.ts';
import { mlsHandlers } from './mlsHandlers.ts';
import { moderationHandlers } from './moderationHandlers.ts';
import { relayHandlers } from './relayHandlers.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';
import { unreachable, type Phase, type Presence, type RestoredSession } from './SessionPhase.ts';
import type { SessionSocket } from './SessionSocket.ts';

export type { PeerSession, SessionDeps, SessionDirectory } from './SessionDeps.ts';
export type { Phase, RestoredSession } from './SessionPhase.ts';
export type { SessionSocket } from './SessionSocket.ts';

/** What entering the room found and did (the rest of the `joined` answer). */
interface Entered {
  self: MemberInfo;
  members: MemberInfo[];
  producers: Joined['producers'];
  locked: boolean;
}

/**
 * One browser connection. Not in the room until admitted: `join` either
 * enters at once (hosts; guests when a host is present or early entry is
 * allowed) or waits in the lobby until a host admits. Every other request is
 * refused until then. Leaving (or disconnecting) releases the member's media
 * on the SFU and tells the others.
 */
export class MemberSession implements PeerSession {
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
  /** The meeting's title and start for the room info, read once (at join, or at entry for a restored session). */
  #meeting: MeetingFacts | null = null;

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

  /**
   * In the room's queue: decides between the lobby and the room, and enters
   * the lobby if so, in one go (a host arriving in between would not see this
   * guest waiting, and the guest would not see the host).
   */
  async #decide(allowEarlyEntry: boolean): Promise<WaitingReason | null> {
    if (this.#phase !== 'joining' || !this.#socket.connected) {
      throw new ProtocolError('not-joined', 'disconnected while joining');
    }
    const reason = await waitingReason(this, this.#deps, allowEarlyEntry);
    if (reason !== null) {
      await this.#enterLobby(reason);
    }
    return reason;
  }

  handlers(): RequestHandlers<typeof roomRequests> {
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
          this.#meeting = meetingFacts(meeting);
          this.#role = (await this.#deps.roleOverrides.get(this.memberId)) ?? this.#role;
          if (await isRevoked(this, this.#deps)) {
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
      ...mediaHandlers(this, this.#deps, () => this.#presence === 'member'),
      ...relayHandlers(this, this.#deps),
      ...mlsHandlers(this, this.#deps),
      ...lobbyChatHandlers(this, this.#deps),
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
        if (await isRevoked(this, this.#deps)) {
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
    // Set by `join` before anyone waits: hosts seal lobby messages to these keys.
    const identity = this.#keys;
    if (identity === null) {
      throw new ProtocolError('not-joined', 'join the room first');
    }
    await state.addWaiting(this.roomId, {
      memberId: this.memberId,
      displayName: this.#identity.name,
      waitingSince: now(),
      needsAdmission: reason !== 'no-host',
      identity,
    });
    this.#presence = 'lobby';
    this.#phase = 'waiting';
    void this.#socket.join(memberChannel(this.memberId));
    // A guest in the lobby must recover a dropped connection too (its node may die): see #firstEvent.
    this.#firstEvent(await state.isLocked(this.roomId));
    await notifyLobby(this, this.#deps);
  }

  async #enter(): Promise<Joined> {
    const { sfu, state } = this.#deps;
    this.#phase = 'joining';
    this.#meeting ??= meetingFacts(await this.#deps.meetings.get(this.roomId));
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
        admitEarlyArrivals(this.roomId, this.#deps).catch((error: unknown) => {
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
      room: { locked: entered.locked, ...this.#meeting },
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
    this.#socket.nsp.to(memberChannel(this.memberId)).emit('roomUpdated', { locked, ...this.#meeting });
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
        await notifyLobby(this, this.#deps);
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
    await revoke(this, this.#deps);
    void this.end('admission-refused');
    return true;
  }

  /** A moderator removed this member: token, member id and personal invite revoked, then out. */
  async remove(): Promise<void> {
    await revoke(this, this.#deps);
    await this.#deps.onRemoved(this.#identity).catch((error: unknown) => {
      this.#deps.logger.warn({ err: error }, 'could not revoke the invite of a removed member');
    });
    await this.end('removed');
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
  closeProducers(producerIds: readonly string[]): Promise<void> {
    return closeProducers(this, this.#deps, producerIds);
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
      .then((wasMember) => (wasMember ? releaseMedia(this, this.#deps) : undefined))
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error }, 'could not take back the place of a member who left');
      });
    return this.#left;
  }

  /** In the room's queue. True if the member was in the room (their media must go too). */
  async #release(): Promise<boolean> {
    const presence = this.#presence;
    this.#presence = 'none';
    switch (presence) {
      case 'none':
        return false;
      case 'lobby':
        await this.#deps.state.removeWaiting(this.roomId, this.memberId);
        await notifyLobby(this, this.#deps);
        return false;
      case 'member':
        await leaveRoom(this, this.#deps);
        return true;
      default:
        return unreachable(presence);
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
