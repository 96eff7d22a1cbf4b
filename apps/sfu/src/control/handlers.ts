import { ProtocolError, type RequestHandlers, type sfuRequests } from '@confidentiel/protocol';
import type { RoomRegistry } from '../media/RoomRegistry.ts';

/** What each control request does. The payloads are already validated. */
export function createControlHandlers(
  registry: RoomRegistry,
  options: { testTap: boolean } = { testTap: false },
): RequestHandlers<typeof sfuRequests> {
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
    tapProducer: async ({ roomId, producerId, maxPackets, timeoutMs }) => {
      if (!options.testTap) {
        throw new ProtocolError('forbidden', 'the test tap is disabled');
      }
      const { mimeType, packets } = await registry.get(roomId).tap(producerId, maxPackets, timeoutMs);
      return { mimeType, packets: packets.map((p) => p.toString('base64')) };
    },
  };
}
