import { z } from 'zod';
import { LIMITS } from './limits.ts';

/**
 * Schemas for the mediasoup structures a browser sends (capabilities, RTP and
 * DTLS parameters). They bound sizes and shapes; mediasoup checks semantics.
 */

const token = z.string().min(1).max(256);
const u8 = z.number().int().min(0).max(255);
const u32 = z.number().int().min(0).max(0xffffffff);

export const mediaKindSchema = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof mediaKindSchema>;

/** What a producer carries, so the UI can lay tiles out. */
export const mediaSourceSchema = z.enum(['camera', 'microphone', 'screen', 'screen-audio']);
export type MediaSource = z.infer<typeof mediaSourceSchema>;

const parametersSchema = z
  .record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
  .refine((r) => Object.keys(r).length <= LIMITS.maxParameters, 'too many parameters');

const rtcpFeedbackSchema = z.strictObject({
  type: z.string().min(1).max(32),
  parameter: z.string().max(32).optional(),
});

const codecCapabilitySchema = z.strictObject({
  kind: mediaKindSchema,
  mimeType: token,
  preferredPayloadType: u8.optional(),
  clockRate: u32,
  channels: z.number().int().min(1).max(16).optional(),
  parameters: parametersSchema.optional(),
  rtcpFeedback: z.array(rtcpFeedbackSchema).max(LIMITS.maxRtcpFeedback).optional(),
});

const headerExtensionCapabilitySchema = z.strictObject({
  kind: mediaKindSchema,
  uri: token,
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const rtpCapabilitiesSchema = z.strictObject({
  codecs: z.array(codecCapabilitySchema).max(LIMITS.maxCodecs).optional(),
  headerExtensions: z.array(headerExtensionCapabilitySchema).max(LIMITS.maxHeaderExtensions).optional(),
});
export type RtpCapabilities = z.infer<typeof rtpCapabilitiesSchema>;

const codecParametersSchema = z.strictObject({
  mimeType: token,
  payloadType: u8,
  clockRate: u32,
  channels: z.number().int().min(1).max(16).optional(),
  parameters: parametersSchema.optional(),
  rtcpFeedback: z.array(rtcpFeedbackSchema).max(LIMITS.maxRtcpFeedback).optional(),
});

const headerExtensionParametersSchema = z.strictObject({
  uri: token,
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: parametersSchema.optional(),
});

const encodingSchema = z.strictObject({
  ssrc: u32.optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: u8.optional(),
  rtx: z.strictObject({ ssrc: u32 }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  maxBitrate: z.number().int().min(0).max(100_000_000).optional(),
  maxFramerate: z.number().min(0).max(240).optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  active: z.boolean().optional(),
});

export const rtpParametersSchema = z.strictObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(codecParametersSchema).min(1).max(LIMITS.maxCodecs),
  headerExtensions: z.array(headerExtensionParametersSchema).max(LIMITS.maxHeaderExtensions).optional(),
  encodings: z.array(encodingSchema).max(LIMITS.maxEncodings).optional(),
  rtcp: z
    .strictObject({
      cname: z.string().max(256).optional(),
      reducedSize: z.boolean().optional(),
      mux: z.boolean().optional(),
    })
    .optional(),
  msid: z.string().max(256).optional(),
});
export type RtpParameters = z.infer<typeof rtpParametersSchema>;

export const dtlsParametersSchema = z.strictObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.strictObject({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().regex(/^[0-9A-Fa-f:]{1,256}$/),
      }),
    )
    .min(1)
    .max(LIMITS.maxFingerprints),
});
export type DtlsParameters = z.infer<typeof dtlsParametersSchema>;

export const iceParametersSchema = z.strictObject({
  usernameFragment: z.string().max(256),
  password: z.string().max(256),
  iceLite: z.boolean().optional(),
});
export type IceParameters = z.infer<typeof iceParametersSchema>;

export const iceCandidateSchema = z.strictObject({
  foundation: z.string().max(64),
  priority: z.number().int().min(0),
  address: z.string().max(64),
  ip: z.string().max(64).optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int().min(0).max(65535),
  type: z.enum(['host', 'srflx', 'prflx', 'relay']),
  tcpType: z.enum(['active', 'passive', 'so']).optional(),
});

/** What the browser needs to create its side of a WebRTC transport. */
export const transportOptionsSchema = z.strictObject({
  id: z.string().max(64),
  iceParameters: iceParametersSchema,
  iceCandidates: z.array(iceCandidateSchema).max(32),
  dtlsParameters: dtlsParametersSchema,
});
export type TransportOptions = z.infer<typeof transportOptionsSchema>;

/**
 * A TURN server URL as RFC 7065 writes it: `turn:` or `turns:`, a host name or
 * IP address (IPv6 in brackets), an optional port and an optional
 * `?transport=udp|tcp`. Never `stun:`: the service names no STUN server (a
 * third-party one would learn every participant's address), and a TURN server
 * answers STUN binding requests anyway.
 */
export const TURN_URL_PATTERN =
  /^turns?:(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::[0-9]{1,5})?(?:\?transport=(?:udp|tcp))?$/;

/** The most ICE servers signaling hands a browser, and URLs per server. */
export const MAX_ICE_SERVERS = 4;
export const MAX_ICE_SERVER_URLS = 8;

/**
 * One ICE server for the browser's RTCPeerConnection (RTCIceServer): TURN URLs
 * with the short-lived REST credentials signaling issued (username
 * `<expiry unix seconds>:<member id>`, credential base64(HMAC-SHA1(secret, username))).
 */
export const iceServerSchema = z
  .strictObject({
    urls: z.array(z.string().max(300).regex(TURN_URL_PATTERN)).min(1).max(MAX_ICE_SERVER_URLS),
    username: z.string().min(1).max(256).optional(),
    credential: z.string().min(1).max(256).optional(),
  })
  .refine((s) => (s.username === undefined) === (s.credential === undefined), {
    message: 'username and credential go together',
  });
export type IceServer = z.infer<typeof iceServerSchema>;

/** `relay`: the browser uses only TURN-relayed candidates (its address stays hidden from the SFU). */
export const iceTransportPolicySchema = z.enum(['all', 'relay']);
export type IceTransportPolicy = z.infer<typeof iceTransportPolicySchema>;

export const transportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof transportDirectionSchema>;

export const consumerOptionsSchema = z.strictObject({
  id: z.string().max(64),
  producerId: z.string().max(64),
  kind: mediaKindSchema,
  rtpParameters: rtpParametersSchema,
  type: z.enum(['simple', 'simulcast', 'svc', 'pipe']),
  producerPaused: z.boolean(),
});
export type ConsumerOptions = z.infer<typeof consumerOptionsSchema>;
