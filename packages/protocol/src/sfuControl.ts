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
const count = z.number().int().min(0).max(10_000_000);
const udpPort = z.number().int().min(1).max(65535);

/**
 * An SFU host as signaling names it: the origin of its control URL
 * (`http://10.0.0.2:4001`). The same name in the static list (SFU_URLS), in
 * a host's registration in Redis and in the pipes between hosts.
 */
export const sfuHostIdSchema = z
  .string()
  .max(256)
  .regex(/^https?:\/\/[^/\s@]+$/, 'an http(s) origin without path or credentials');
export type SfuHostId = z.infer<typeof sfuHostIdSchema>;

/** A random name an SFU process takes at start: a new one means its rooms are gone. */
export const sfuInstanceSchema = z.string().regex(/^[0-9a-f]{16}$/, 'bad instance');

/** What one SFU host carries now. */
export const sfuHostLoadSchema = z.strictObject({
  rooms: count,
  /** Members with a transport on this host (all rooms). */
  members: count,
  producers: count,
  consumers: count,
  /** Pipe transports to other hosts. */
  pipes: count,
  /** Live mediasoup workers. */
  workers: z.number().int().min(0).max(64),
});
export type SfuHostLoad = z.infer<typeof sfuHostLoadSchema>;

/** SRTP keys of one side of a pipe between two hosts (mediasoup's SrtpParameters). */
export const srtpParametersSchema = z.strictObject({
  cryptoSuite: z.enum([
    'AEAD_AES_256_GCM',
    'AEAD_AES_128_GCM',
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_32',
  ]),
  keyBase64: z.string().regex(/^[A-Za-z0-9+/]{16,128}={0,2}$/, 'bad key'),
});
export type SrtpParameters = z.infer<typeof srtpParametersSchema>;

const ipSchema = z.ipv4().or(z.ipv6());
/** Where one side of a pipe receives (its announced address) and how to encrypt to it. */
export const pipeEndpointSchema = z.strictObject({
  ip: ipSchema,
  port: udpPort,
  srtpParameters: srtpParametersSchema,
});
export type PipeEndpoint = z.infer<typeof pipeEndpointSchema>;

/** A producer as it crosses a pipe: its id is kept, so consumers on the other host are made as usual. */
export const pipedProducerSchema = z.strictObject({
  producerId: mediaIdSchema,
  memberId: memberIdSchema,
  source: mediaSourceSchema,
  kind: mediaKindSchema,
  rtpParameters: rtpParametersSchema,
  paused: z.boolean(),
});
export type PipedProducer = z.infer<typeof pipedProducerSchema>;

/** The other host of a pipe, in a room. */
const pipeScope = { roomId: meetingIdSchema, peer: sfuHostIdSchema };

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
  /** What this host carries, and which process it is (a restart changes `instance`). */
  getLoad: {
    request: empty,
    response: z.strictObject({ instance: sfuInstanceSchema, load: sfuHostLoadSchema }),
  },
  /**
   * Opens (or finds) the room's pipe transport to another host (one per room
   * and pair of hosts, both directions). `remote` is where it already sends,
   * if connected.
   */
  openPipe: {
    request: z.strictObject(pipeScope),
    response: pipeEndpointSchema.extend({
      remote: z.strictObject({ ip: ipSchema, port: udpPort }).nullable(),
    }),
  },
  /** Points the room's pipe to `peer` at the other side's endpoint (once; the same again is a no-op). */
  connectPipe: {
    request: z.strictObject({ ...pipeScope, ...pipeEndpointSchema.shape }),
    response: empty,
  },
  /** Closes the room's pipe to `peer` and the producers that came through it. Idempotent. */
  closePipe: {
    request: z.strictObject(pipeScope),
    response: empty,
  },
  /** Sends one of this host's producers to `peer` through the room's pipe (idempotent). */
  sendThroughPipe: {
    request: z.strictObject({ ...pipeScope, producerId: mediaIdSchema }),
    response: pipedProducerSchema,
  },
  /** Makes the copy of a producer of `peer` that arrives through the room's pipe (idempotent). */
  receiveThroughPipe: {
    request: z.strictObject({ ...pipeScope, ...pipedProducerSchema.shape }),
    response: empty,
  },
  /** Pauses or resumes the copy of a producer that came through a pipe (none: nothing to do). */
  setPipedProducerPaused: {
    request: z.strictObject({ roomId: meetingIdSchema, producerId: mediaIdSchema, paused: z.boolean() }),
    response: empty,
  },
  /** Closes the copy of a producer that came through a pipe (none: nothing to do). */
  closePipedProducer: {
    request: z.strictObject({ roomId: meetingIdSchema, producerId: mediaIdSchema }),
    response: empty,
  },
  /**
   * Test only (refused unless SFU_ENABLE_TEST_TAP=true): a producer of the
   * member fed with plain RTP on a loopback UDP port, so that tests can send
   * real RTP through the SFU without a browser.
   */
  openTestFeed: {
    request: z.strictObject({
      ...scope,
      kind: mediaKindSchema,
      source: mediaSourceSchema,
      rtpParameters: rtpParametersSchema,
    }),
    response: z.strictObject({ producerId: mediaIdSchema, ip: ipSchema, port: udpPort }),
  },
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

/** Requests between signaling and one chosen host (load, pipes), never routed by meeting. */
export const sfuHostRequests = [
  'getLoad',
  'openPipe',
  'connectPipe',
  'closePipe',
  'sendThroughPipe',
  'receiveThroughPipe',
  'setPipedProducerPaused',
  'closePipedProducer',
] as const satisfies readonly SfuRequestName[];
export type SfuHostRequestName = (typeof sfuHostRequests)[number];
/** Requests about a meeting (and a member), routed to the host that holds it. */
export type SfuRoutedRequestName = Exclude<SfuRequestName, SfuHostRequestName>;

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

/**
 * An SFU host's registration in Redis (SFU_PUBLIC_CONTROL_URL and REDIS_URL
 * set on the host): written every SFU_HOST_REGISTER_EVERY_MS under
 * `sfuHostKey(id)` with a time to live of SFU_HOST_RECORD_TTL_MS, its id in
 * the set SFU_HOSTS_KEY. Signaling reads it to learn of hosts beyond its
 * static list.
 */
export const sfuHostRecordSchema = z.strictObject({
  id: sfuHostIdSchema,
  instance: sfuInstanceSchema,
  load: sfuHostLoadSchema,
  /** When it was written (ms since the epoch). */
  at: z.number().int().min(0),
});
export type SfuHostRecord = z.infer<typeof sfuHostRecordSchema>;
export const SFU_HOSTS_KEY = 'confidentiel:sfu:hosts';
export const sfuHostKey = (id: string): string => `confidentiel:sfu:host:${id}`;
export const SFU_HOST_REGISTER_EVERY_MS = 1_000;
export const SFU_HOST_RECORD_TTL_MS = 3_000;
/** The claim of a control token naming the host it opens (checked by hosts that know their own URL). */
export const SFU_CONTROL_HOST_CLAIM = 'sfu';
