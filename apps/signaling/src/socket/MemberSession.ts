import type { Socket } from 'socket.io';
import {
  ProtocolError,
  type MemberInfo,
  type RequestHandlers,
  type roomRequests,
} from '@confidentiel/protocol';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { RoomState } from '../rooms/RoomState.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import type { IceConfig } from '../turn/iceServers.ts';
import type { Identity } from './authenticate.ts';

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
}

/** Socket.IO room holding every socket of one member (for direct events). */
export function memberChannel(memberId: string): string {
  return `member:${memberId}`;
}

/**
 * One browser connection: not joined until `join` succeeds; every other
 * request is refused until then. Leaving (or disconnecting) releases the
 * member's media on the SFU and tells the others.
 */
export class MemberSession {
  readonly #socket: Socket;
  readonly #identity: Identity;
  readonly #deps: SessionDeps;
  #joined = false;
  #joining = false;

  constructor(socket: Socket, identity: Identity, deps: SessionDeps) {
    this.#socket = socket;
    this.#identity = identity;
    this.#deps = deps;
  }

  get joined(): boolean {
    return this.#joined;
  }

  get roomId(): string {
    return this.#identity.room;
  }

  get memberId(): string {
    return this.#identity.sub;
  }

  #scope(): { roomId: string; memberId: string } {
    if (!this.#joined) {
      throw new ProtocolError('not-joined', 'join the room first');
    }
    return { roomId: this.roomId, memberId: this.memberId };
  }

  #ownsProducer(producerId: string): void {
    const producer = this.#deps.state.producers(this.roomId).find((p) => p.producerId === producerId);
    if (!producer || producer.memberId !== this.memberId) {
      throw new ProtocolError('not-found', 'producer not found');
    }
  }

  handlers(): RequestHandlers<typeof roomRequests> {
    const { sfu, state } = this.#deps;
    return {
      join: async ({ identity }) => {
        if (this.#joined || this.#joining) {
          throw new ProtocolError('already-joined', 'already joined');
        }
        this.#joining = true;
        try {
          const meeting = await this.#deps.meetings.get(this.roomId);
          if (!meeting) {
            throw new ProtocolError('room-not-found', 'room not found');
          }
          const { rtpCapabilities } = await sfu.request('getRouterRtpCapabilities', { roomId: this.roomId });
          if (!this.#socket.connected) {
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
            identity,
            senderIndex: state.nextSenderIndex(this.roomId),
          };
          const members = state.members(this.roomId).filter((m) => m.memberId !== this.memberId);
          const producers = state.producers(this.roomId).filter((p) => p.memberId !== this.memberId);
          state.addMember(this.roomId, self);
          this.#joined = true;
          await this.#socket.join([this.roomId, memberChannel(this.memberId)]);
          this.#socket.to(this.roomId).emit('memberJoined', { member: self });
          this.#deps.logger.info(
            { room: this.roomId.slice(0, 6), member: this.memberId.slice(0, 6) },
            'member joined',
          );
          return {
            self,
            members,
            producers,
            routerRtpCapabilities: rtpCapabilities,
            ...this.#deps.iceConfig(this.memberId),
          };
        } finally {
          this.#joining = false;
        }
      },
      createTransport: ({ direction }) =>
        sfu.request('createWebRtcTransport', { ...this.#scope(), direction }),
      connectTransport: (request) => sfu.request('connectTransport', { ...this.#scope(), ...request }),
      produce: async (request) => {
        const scope = this.#scope();
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
        const scope = this.#scope();
        this.#ownsProducer(producerId);
        await sfu.request('closeProducer', { ...scope, producerId });
        if (state.removeProducer(this.roomId, producerId)) {
          this.#socket.to(this.roomId).emit('producerClosed', { producerId, memberId: this.memberId });
        }
        return {};
      },
      setProducerPaused: async ({ producerId, paused }) => {
        const scope = this.#scope();
        this.#ownsProducer(producerId);
        await sfu.request('setProducerPaused', { ...scope, producerId, paused });
        state.setProducerPaused(this.roomId, producerId, paused);
        this.#socket.to(this.roomId).emit('producerPaused', { producerId, memberId: this.memberId, paused });
        return {};
      },
      consume: (request) => sfu.request('consume', { ...this.#scope(), ...request }),
      resumeConsumer: (request) => sfu.request('resumeConsumer', { ...this.#scope(), ...request }),
      setConsumerLayers: (request) => sfu.request('setConsumerLayers', { ...this.#scope(), ...request }),
      relayKey: ({ to, envelope }) => {
        const scope = this.#scope();
        // Only a member admitted to the same room can receive key material.
        if (to === scope.memberId || !state.hasMember(scope.roomId, to)) {
          throw new ProtocolError('not-found', 'member not found');
        }
        this.#socket.nsp.to(memberChannel(to)).emit('keyEnvelope', { from: scope.memberId, envelope });
        return {};
      },
      sendChat: async ({ ciphertext }) => {
        const scope = this.#scope();
        await this.#deps.chatLimiter.consume(scope.memberId).catch(() => {
          throw new ProtocolError('rate-limited', 'too many chat messages');
        });
        const sentAt = this.#deps.now();
        this.#socket.to(scope.roomId).emit('chatMessage', { from: scope.memberId, ciphertext, sentAt });
        return { sentAt };
      },
      leave: async () => {
        this.#scope();
        await this.leave();
        return {};
      },
    };
  }

  /** Releases the member's media and tells the room. Idempotent. */
  async leave(): Promise<void> {
    if (!this.#joined) {
      return;
    }
    this.#joined = false;
    const { state, sfu, logger } = this.#deps;
    const roomId = this.roomId;
    const removed = state.removeMember(roomId, this.memberId);
    for (const producer of removed) {
      this.#socket
        .to(roomId)
        .emit('producerClosed', { producerId: producer.producerId, memberId: this.memberId });
    }
    this.#socket.to(roomId).emit('memberLeft', { memberId: this.memberId });
    void this.#socket.leave(roomId);
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
    this.#joined = false;
    void this.#socket.leave(this.roomId);
  }
}
