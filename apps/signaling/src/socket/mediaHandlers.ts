import {
  ProtocolError,
  type ProducerInfo,
  type RequestHandlers,
  type roomRequests,
} from '@confidentiel/protocol';
import { mayPublish } from '../rooms/permissions.ts';
import { pauseMicrophones } from './roomMicrophones.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

/** Why a committee member's microphone stays paused (for logs and developers; the browser has its words). */
export const NEEDS_FLOOR = 'you need the floor to speak: raise your hand, the chair gives the floor';

type MediaRequests =
  | 'createTransport'
  | 'connectTransport'
  | 'produce'
  | 'closeProducer'
  | 'setProducerPaused'
  | 'consume'
  | 'resumeConsumer'
  | 'setConsumerLayers'
  | 'restartIce'
  | 'reconnectMedia';

/**
 * A member's own media requests, forwarded to the SFU in the member's scope
 * (admitted members only). Producers are kept in the room state and
 * announced to the room; a member reaches only their own.
 *
 * `inRoomState`: whether the room state holds the session as a member (read
 * in the room's queue): a producer made while the member was leaving is not
 * recorded (the departure took the member's producers already, and the SFU
 * closes this one).
 *
 * Who speaks is the server's to decide (committee meetings): a microphone the
 * member may not use now (`committee.microphoneAllowed`) is made paused and
 * stays so; a browser that asks to unpause it is refused and nothing changes.
 */
export function mediaHandlers(
  session: PeerSession,
  deps: Pick<SessionDeps, 'sfu' | 'state' | 'queue' | 'committee' | 'logger'>,
  inRoomState: () => boolean,
): Pick<RequestHandlers<typeof roomRequests>, MediaRequests> {
  const { sfu, state, queue, committee } = deps;

  const ownProducer = async (producerId: string): Promise<ProducerInfo> => {
    const producers = await state.producers(session.roomId);
    const producer = producers.find((p) => p.producerId === producerId);
    if (!producer || producer.memberId !== session.memberId) {
      throw new ProtocolError('not-found', 'producer not found');
    }
    return producer;
  };

  /**
   * Asked again once a live microphone is in the room state: a floor withdrawn between the first
   * answer and now paused what the state held then, not this one, so it is paused here.
   */
  const recheck = async (producer: ProducerInfo): Promise<void> => {
    if (await committee.microphoneAllowed(session)) {
      return;
    }
    const live = (await state.producers(session.roomId)).find(
      (p) => p.producerId === producer.producerId && !p.paused,
    );
    if (live) {
      await pauseMicrophones({ ...deps, nsp: session.socket.nsp }, session.roomId, [live], session.memberId);
    }
  };

  return {
    createTransport: ({ direction }) =>
      sfu.request('createWebRtcTransport', { ...session.scope(), direction }),
    connectTransport: (request) => sfu.request('connectTransport', { ...session.scope(), ...request }),
    produce: async (request) => {
      const scope = session.scope();
      if (!mayPublish(session.role)) {
        throw new ProtocolError('forbidden', 'observers do not publish media');
      }
      const microphone = request.source === 'microphone';
      // Decided before the producer exists: without the floor it is paused before anyone can consume it.
      const held = microphone && !(await committee.microphoneAllowed(session));
      const { producerId } = await sfu.request('produce', { ...scope, ...request });
      if (held) {
        await sfu.request('setProducerPaused', { ...scope, producerId, paused: true });
      }
      const producer = {
        producerId,
        memberId: session.memberId,
        kind: request.kind,
        source: request.source,
        paused: held,
      };
      const added = await queue.run(session.roomId, async () => {
        // Left meanwhile: the departure took the member's producers already, and the SFU closes this one.
        if (!inRoomState()) {
          return false;
        }
        await state.addProducer(session.roomId, producer);
        session.socket.to(session.roomId).emit('producerAdded', { producer });
        return true;
      });
      if (microphone && !held && added) {
        await recheck(producer);
      }
      return held ? { producerId, paused: true } : { producerId };
    },
    closeProducer: async ({ producerId }) => {
      session.scope();
      await ownProducer(producerId);
      await session.closeProducers([producerId]);
      return {};
    },
    setProducerPaused: async ({ producerId, paused }) => {
      const scope = session.scope();
      const producer = await ownProducer(producerId);
      const microphone = producer.source === 'microphone';
      if (!paused && microphone && !(await committee.microphoneAllowed(session))) {
        throw new ProtocolError('forbidden', NEEDS_FLOOR);
      }
      await sfu.request('setProducerPaused', { ...scope, producerId, paused });
      await queue.run(session.roomId, async () => {
        await state.setProducerPaused(session.roomId, producerId, paused);
        session.socket
          .to(session.roomId)
          .emit('producerPaused', { producerId, memberId: session.memberId, paused });
      });
      if (!paused && microphone) {
        await recheck(producer);
      }
      return {};
    },
    consume: (request) => sfu.request('consume', { ...session.scope(), ...request }),
    resumeConsumer: (request) => sfu.request('resumeConsumer', { ...session.scope(), ...request }),
    setConsumerLayers: (request) => sfu.request('setConsumerLayers', { ...session.scope(), ...request }),
    restartIce: (request) => sfu.request('restartIce', { ...session.scope(), ...request }),
    reconnectMedia: async () => {
      const { roomId } = session.scope();
      // Makes the room again on the media server if it is gone (a live worker or host).
      const { rtpCapabilities } = await sfu.request('getRouterRtpCapabilities', { roomId });
      const producers = await queue.run(roomId, () => state.producers(roomId));
      return { routerRtpCapabilities: rtpCapabilities, producers };
    },
  };
}

/** Closes some of a member's producers on the SFU and tells the room (and the member). */
export async function closeProducers(
  session: PeerSession,
  deps: Pick<SessionDeps, 'sfu' | 'state' | 'queue'>,
  producerIds: readonly string[],
): Promise<void> {
  const { sfu, state, queue } = deps;
  const { roomId, memberId } = session;
  for (const producerId of producerIds) {
    await sfu.request('closeProducer', { roomId, memberId, producerId });
    await queue.run(roomId, async () => {
      if (await state.removeProducer(roomId, producerId)) {
        session.socket.nsp.to(roomId).emit('producerClosed', { producerId, memberId });
      }
    });
  }
}
