import { z } from 'zod';
import { chatCiphertextSchema, identityKeysSchema, keyEnvelopeSchema } from './e2ee.ts';
import { displayNameSchema, mediaIdSchema, memberIdSchema } from './ids.ts';
import {
  consumerOptionsSchema,
  dtlsParametersSchema,
  iceServerSchema,
  iceTransportPolicySchema,
  MAX_ICE_SERVERS,
  mediaKindSchema,
  mediaSourceSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  transportDirectionSchema,
  transportOptionsSchema,
} from './media.ts';

/**
 * The room protocol between a browser and signaling (Socket.IO namespace
 * `/room`). Each client request is an event with one payload and an
 * acknowledgement; each server event has one payload.
 */

export const memberInfoSchema = z.strictObject({
  memberId: memberIdSchema,
  displayName: displayNameSchema,
  joinedAt: z.number().int(),
  identity: identityKeysSchema,
  /**
   * Small number unique among the room's current and past members of this
   * session, given by signaling; the E2EE key id carries it (20 bits).
   */
  senderIndex: z.number().int().min(0).max(0xfffff),
});
export type MemberInfo = z.infer<typeof memberInfoSchema>;

export const producerInfoSchema = z.strictObject({
  producerId: mediaIdSchema,
  memberId: memberIdSchema,
  kind: mediaKindSchema,
  source: mediaSourceSchema,
  paused: z.boolean(),
});
export type ProducerInfo = z.infer<typeof producerInfoSchema>;

const empty = z.strictObject({});

/** Client -> signaling requests: payload and acknowledged result. */
export const roomRequests = {
  join: {
    request: z.strictObject({ identity: identityKeysSchema }),
    response: z.strictObject({
      self: memberInfoSchema,
      members: z.array(memberInfoSchema),
      producers: z.array(producerInfoSchema),
      routerRtpCapabilities: rtpCapabilitiesSchema,
      /**
       * ICE servers for both transports: the operator's TURN servers with
       * credentials for this member only, or none (never a public STUN
       * server). Absent means none (a fake or older server).
       */
      iceServers: z.array(iceServerSchema).max(MAX_ICE_SERVERS).default([]),
      /** `relay` when the operator wants every browser behind TURN. */
      iceTransportPolicy: iceTransportPolicySchema.default('all'),
    }),
  },
  createTransport: {
    request: z.strictObject({ direction: transportDirectionSchema }),
    response: transportOptionsSchema,
  },
  connectTransport: {
    request: z.strictObject({ transportId: mediaIdSchema, dtlsParameters: dtlsParametersSchema }),
    response: empty,
  },
  produce: {
    request: z.strictObject({
      transportId: mediaIdSchema,
      kind: mediaKindSchema,
      rtpParameters: rtpParametersSchema,
      source: mediaSourceSchema,
    }),
    response: z.strictObject({ producerId: mediaIdSchema }),
  },
  closeProducer: {
    request: z.strictObject({ producerId: mediaIdSchema }),
    response: empty,
  },
  setProducerPaused: {
    request: z.strictObject({ producerId: mediaIdSchema, paused: z.boolean() }),
    response: empty,
  },
  consume: {
    request: z.strictObject({
      producerId: mediaIdSchema,
      rtpCapabilities: rtpCapabilitiesSchema,
    }),
    response: consumerOptionsSchema,
  },
  resumeConsumer: {
    request: z.strictObject({ consumerId: mediaIdSchema }),
    response: empty,
  },
  setConsumerLayers: {
    request: z.strictObject({
      consumerId: mediaIdSchema,
      spatialLayer: z.number().int().min(0).max(2),
      temporalLayer: z.number().int().min(0).max(2).optional(),
    }),
    response: empty,
  },
  /** A sealed key envelope for one member (E2EE key distribution). */
  relayKey: {
    request: z.strictObject({ to: memberIdSchema, envelope: keyEnvelopeSchema }),
    response: empty,
  },
  /** A sealed chat message for the room's members. */
  sendChat: {
    request: z.strictObject({ ciphertext: chatCiphertextSchema }),
    response: z.strictObject({ sentAt: z.number().int() }),
  },
  leave: { request: empty, response: empty },
} as const;

export type RoomRequestName = keyof typeof roomRequests;

/** Signaling -> client events. */
export const roomEvents = {
  memberJoined: z.strictObject({ member: memberInfoSchema }),
  memberLeft: z.strictObject({ memberId: memberIdSchema }),
  producerAdded: z.strictObject({ producer: producerInfoSchema }),
  producerClosed: z.strictObject({ producerId: mediaIdSchema, memberId: memberIdSchema }),
  producerPaused: z.strictObject({
    producerId: mediaIdSchema,
    memberId: memberIdSchema,
    paused: z.boolean(),
  }),
  consumerClosed: z.strictObject({ consumerId: mediaIdSchema, producerId: mediaIdSchema }),
  activeSpeaker: z.strictObject({ memberId: memberIdSchema.nullable() }),
  roomClosed: z.strictObject({ reason: z.enum(['media-server-restarted', 'ended']) }),
  keyEnvelope: z.strictObject({ from: memberIdSchema, envelope: keyEnvelopeSchema }),
  chatMessage: z.strictObject({
    from: memberIdSchema,
    ciphertext: chatCiphertextSchema,
    sentAt: z.number().int(),
  }),
} as const;

export type RoomEventName = keyof typeof roomEvents;
