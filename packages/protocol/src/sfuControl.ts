import { z } from 'zod';
import { meetingIdSchema, mediaIdSchema, memberIdSchema } from './ids.ts';
import {
  consumerOptionsSchema,
  dtlsParametersSchema,
  iceParametersSchema,
  mediaKindSchema,
  mediaSourceSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  transportDirectionSchema,
  transportOptionsSchema,
} from './media.ts';

/**
 * The control channel between signaling and an SFU node (Socket.IO namespace
 * `/control` on the SFU's control port, loopback or private network only).
 * Authenticated by a JWT with audience `sfu-control`. Every request names the
 * room and the member it acts for; the SFU checks that the member owns the
 * transports, producers and consumers it names.
 */

const scope = { roomId: meetingIdSchema, memberId: memberIdSchema };
const empty = z.strictObject({});

export const sfuRequests = {
  getRouterRtpCapabilities: {
    request: z.strictObject({ roomId: meetingIdSchema }),
    response: z.strictObject({ rtpCapabilities: rtpCapabilitiesSchema }),
  },
  createWebRtcTransport: {
    request: z.strictObject({ ...scope, direction: transportDirectionSchema }),
    response: transportOptionsSchema,
  },
  connectTransport: {
    request: z.strictObject({
      ...scope,
      transportId: mediaIdSchema,
      dtlsParameters: dtlsParametersSchema,
    }),
    response: empty,
  },
  produce: {
    request: z.strictObject({
      ...scope,
      transportId: mediaIdSchema,
      kind: mediaKindSchema,
      rtpParameters: rtpParametersSchema,
      source: mediaSourceSchema,
    }),
    response: z.strictObject({ producerId: mediaIdSchema }),
  },
  closeProducer: {
    request: z.strictObject({ ...scope, producerId: mediaIdSchema }),
    response: empty,
  },
  setProducerPaused: {
    request: z.strictObject({ ...scope, producerId: mediaIdSchema, paused: z.boolean() }),
    response: empty,
  },
  restartIce: {
    request: z.strictObject({ ...scope, transportId: mediaIdSchema }),
    response: z.strictObject({ iceParameters: iceParametersSchema }),
  },
  consume: {
    request: z.strictObject({
      ...scope,
      producerId: mediaIdSchema,
      rtpCapabilities: rtpCapabilitiesSchema,
    }),
    response: consumerOptionsSchema,
  },
  resumeConsumer: {
    request: z.strictObject({ ...scope, consumerId: mediaIdSchema }),
    response: empty,
  },
  setConsumerLayers: {
    request: z.strictObject({
      ...scope,
      consumerId: mediaIdSchema,
      spatialLayer: z.number().int().min(0).max(2),
      temporalLayer: z.number().int().min(0).max(2).optional(),
    }),
    response: empty,
  },
  closeMember: {
    request: z.strictObject(scope),
    response: empty,
  },
  closeRoom: {
    request: z.strictObject({ roomId: meetingIdSchema }),
    response: empty,
  },
  /**
   * Test only (refused unless the SFU runs with SFU_ENABLE_TEST_TAP=true):
   * what a malicious operator could capture. Consumes a producer on the SFU
   * itself and returns the RTP packets it forwards, to prove they carry only
   * end-to-end ciphertext.
   */
  tapProducer: {
    request: z.strictObject({
      roomId: meetingIdSchema,
      producerId: mediaIdSchema,
      maxPackets: z.number().int().min(1).max(2000),
      timeoutMs: z.number().int().min(100).max(20_000),
    }),
    response: z.strictObject({
      mimeType: z.string(),
      /** Each packet, base64. */
      packets: z.array(z.string()).max(2000),
    }),
  },
} as const;

export type SfuRequestName = keyof typeof sfuRequests;

/** SFU -> signaling events. */
export const sfuEvents = {
  producerClosed: z.strictObject({ ...scope, producerId: mediaIdSchema }),
  consumerClosed: z.strictObject({
    ...scope,
    consumerId: mediaIdSchema,
    producerId: mediaIdSchema,
  }),
  activeSpeaker: z.strictObject({ roomId: meetingIdSchema, memberId: memberIdSchema.nullable() }),
  roomClosed: z.strictObject({ roomId: meetingIdSchema, reason: z.enum(['worker-died', 'closed']) }),
} as const;

export type SfuEventName = keyof typeof sfuEvents;

/** Audience and `typ` of the tokens that open the SFU control channel. */
export const SFU_CONTROL_AUDIENCE = 'sfu-control';
/** Issuer of SFU control tokens (signaling signs, the SFU verifies). */
export const SFU_CONTROL_ISSUER = 'confidentiel-signaling';
/** Socket.IO namespace of the control channel. */
export const SFU_CONTROL_NAMESPACE = '/control';
