import { ProtocolError, type RequestHandlers, type sfuRequests } from '@confidentiel/protocol';
import type { Room } from '../media/Room.ts';
import type { RoomRegistry } from '../media/RoomRegistry.ts';

export interface ControlHandlerOptions {
  /** Serve the test-only requests (tap and feed). */
  testTap: boolean;
  /** This process's random name (a restart changes it). */
  instance: string;
}

/** What each control request does. The payloads are already validated. */
export function createControlHandlers(
  registry: RoomRegistry,
  options: ControlHandlerOptions,
): RequestHandlers<typeof sfuRequests> {
  const existing = (roomId: string): Room | undefined => {
    try {
      return registry.get(roomId);
    } catch {
      return undefined;
    }
  };
  return {
    getRouterRtpCapabilities: async ({ roomId }) => {
      const room = await registry.obtain(roomId);
      return { rtpCapabilities: room.rtpCapabilities };
    },
    createWebRtcTransport: async ({ roomId, memberId, direction }) =>
      (await registry.obtain(roomId)).createWebRtcTransport(memberId, direction),
    connectTransport: async ({ roomId, memberId, transportId, dtlsParameters }) => {
      await registry.get(roomId).connectTransport(memberId, transportId, dtlsParameters);
      return {};
    },
    restartIce: async ({ roomId, memberId, transportId }) => ({
      iceParameters: await registry.get(roomId).restartIce(memberId, transportId),
    }),
    produce: async ({ roomId, memberId, transportId, kind, rtpParameters, source }) => ({
      producerId: await registry.get(roomId).produce(memberId, transportId, kind, rtpParameters, source),
    }),
    closeProducer: ({ roomId, memberId, producerId }) => {
      registry.get(roomId).closeProducer(memberId, producerId);
      return {};
    },
    setProducerPaused: async ({ roomId, memberId, producerId, paused }) => {
      await registry.get(roomId).setProducerPaused(memberId, producerId, paused);
      return {};
    },
    consume: ({ roomId, memberId, producerId, rtpCapabilities }) =>
      registry.get(roomId).consume(memberId, producerId, rtpCapabilities),
    resumeConsumer: async ({ roomId, memberId, consumerId }) => {
      await registry.get(roomId).resumeConsumer(memberId, consumerId);
      return {};
    },
    setConsumerLayers: async ({ roomId, memberId, consumerId, spatialLayer, temporalLayer }) => {
      await registry.get(roomId).setConsumerLayers(memberId, consumerId, spatialLayer, temporalLayer);
      return {};
    },
    closeMember: ({ roomId, memberId }) => {
      try {
        registry.get(roomId).closeMember(memberId);
      } catch {
        // Closing what is already gone is not an error.
      }
      return {};
    },
    closeRoom: ({ roomId }) => {
      registry.closeRoom(roomId);
      return {};
    },
    getLoad: () => ({ instance: options.instance, load: registry.load() }),
    // Pipes only ever join rooms that exist on both hosts: never a room made by a pipe request.
    openPipe: ({ roomId, peer }) => registry.get(roomId).pipes.open(peer),
    connectPipe: async ({ roomId, peer, ip, port, srtpParameters }) => {
      await registry.get(roomId).pipes.connect(peer, { ip, port, srtpParameters });
      return {};
    },
    closePipe: ({ roomId, peer }) => {
      existing(roomId)?.pipes.close(peer);
      return {};
    },
    sendThroughPipe: ({ roomId, peer, producerId }) => registry.get(roomId).sendThroughPipe(peer, producerId),
    receiveThroughPipe: async ({ roomId, peer, ...piped }) => {
      await registry.get(roomId).pipes.receive(peer, piped);
      return {};
    },
    setPipedProducerPaused: async ({ roomId, producerId, paused }) => {
      const copy = existing(roomId)?.pipes.producer(producerId);
      if (copy !== undefined) {
        await (paused ? copy.pause() : copy.resume());
      }
      return {};
    },
    closePipedProducer: ({ roomId, producerId }) => {
      existing(roomId)?.pipes.producer(producerId)?.close();
      return {};
    },
    openTestFeed: async ({ roomId, memberId, kind, source, rtpParameters }) => {
      if (!options.testTap) {
        throw new ProtocolError('forbidden', 'the test tap is disabled');
      }
      return (await registry.obtain(roomId)).openTestFeed(memberId, kind, source, rtpParameters);
    },
    tapProducer: async ({ roomId, producerId, maxPackets, timeoutMs }) => {
      if (!options.testTap) {
        throw new ProtocolError('forbidden', 'the test tap is disabled');
      }
      const { mimeType, packets } = await registry.get(roomId).tap(producerId, maxPackets, timeoutMs);
      return { mimeType, packets: packets.map((p) => p.toString('base64')) };
    },
  };
}
