import { z } from 'zod';
import { committeeEvents, committeeRequests } from './committee.ts';
import {
  chatCiphertextSchema,
  identityKeysSchema,
  keyEnvelopeSchema,
  lobbyCiphertextSchema,
  MAX_ENVELOPES_PER_BATCH,
  MAX_LOBBY_MESSAGES_PER_BATCH,
} from './e2ee.ts';
import { mlsEvents, mlsRequests } from './mls.ts';
import { displayNameSchema, mediaIdSchema, memberIdSchema, memberRoleSchema } from './ids.ts';
import {
  consumerOptionsSchema,
  dtlsParametersSchema,
  iceParametersSchema,
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
  role: memberRoleSchema,
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

/** The room's own settings every member sees. */
export const roomInfoSchema = z.strictObject({
  /** Nobody new gets in without a host's admission. */
  locked: z.boolean(),
  /**
   * The meeting's title as its organiser wrote it (null: untitled), so that the
   * procès-verbal made in a browser names the meeting. Absent from an older server.
   */
  title: z.string().max(500).nullable().optional(),
  /** The meeting's scheduled start (ms since the epoch; an open meeting's creation). */
  startsAt: z.number().int().nullable().optional(),
});
export type RoomInfo = z.infer<typeof roomInfoSchema>;

/** Someone waiting in the lobby, as hosts see them. */
export const lobbyEntrySchema = z.strictObject({
  memberId: memberIdSchema,
  displayName: displayNameSchema,
  waitingSince: z.number().int(),
  /** A host must admit them (level 3 invite, or the room is locked); else they enter when a host arrives. */
  needsAdmission: z.boolean(),
  /** Their identity public keys (as sent in `join`): hosts seal lobby messages to them. */
  identity: identityKeysSchema,
});
export type LobbyEntry = z.infer<typeof lobbyEntrySchema>;

/**
 * Why a member is waiting instead of in the room. `deliberation`: a host sent
 * them back to the waiting room (the room deliberates in camera); only a
 * host's admission brings them back.
 */
export const waitingReasonSchema = z.enum(['admission', 'no-host', 'locked', 'deliberation']);
export type WaitingReason = z.infer<typeof waitingReasonSchema>;

/** The answer to `join` once admitted (also the payload of `admitted`). */
export const joinedSchema = z.strictObject({
  status: z.literal('joined'),
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
  room: roomInfoSchema,
});
export type Joined = z.infer<typeof joinedSchema>;

/** The answer to `join` while in the lobby: wait for `admitted` or `roomClosed`. */
export const waitingSchema = z.strictObject({
  status: z.literal('waiting'),
  reason: waitingReasonSchema,
});

/** Roles a host can give (nobody is made host from inside the room). */
export const assignableRoleSchema = z.enum(['co-host', 'participant', 'observer']);

/** Why the room ended for this member. */
export const roomClosedReasonSchema = z.enum([
  'media-server-restarted',
  'ended',
  'removed',
  'admission-refused',
  'token-expired',
  /**
   * Not an end: a host sent this member back to the waiting room. The client
   * drops this participation (media, keys) and joins again, landing in the
   * lobby with reason `deliberation`.
   */
  'sent-to-lobby',
]);
export type RoomClosedReason = z.infer<typeof roomClosedReasonSchema>;

/** What a moderator did to this member's media. */
export const moderationActionSchema = z.enum(['muted', 'camera-stopped', 'screen-stopped']);
export type ModerationAction = z.infer<typeof moderationActionSchema>;

/** Client -> signaling requests: payload and acknowledged result. */
export const roomRequests = {
  join: {
    request: z.strictObject({ identity: identityKeysSchema }),
    response: z.discriminatedUnion('status', [joinedSchema, waitingSchema]),
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
    response: z.strictObject({
      producerId: mediaIdSchema,
      /**
       * The server made the producer paused: a committee member's microphone without the floor
       * (the browser shows it muted; unpausing is refused until the chair gives the floor).
       */
      paused: z.boolean().optional(),
    }),
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
  /**
   * The transport went `disconnected` or `failed` (a network blip): new ICE
   * credentials from the media server; the browser restarts ICE with them.
   */
  restartIce: {
    request: z.strictObject({ transportId: mediaIdSchema }),
    response: z.strictObject({ iceParameters: iceParametersSchema }),
  },
  /**
   * After `mediaReset`: the room's media as it is now on the media server
   * (rebuilt on a live worker or host). The browser makes new transports,
   * publishes again and consumes `producers` (its own old ones are gone).
   */
  reconnectMedia: {
    request: empty,
    response: z.strictObject({
      routerRtpCapabilities: rtpCapabilitiesSchema,
      producers: z.array(producerInfoSchema),
    }),
  },
  /** A sealed key envelope for one member (E2EE key distribution). */
  relayKey: {
    request: z.strictObject({ to: memberIdSchema, envelope: keyEnvelopeSchema }),
    response: empty,
  },
  /**
   * Several sealed key envelopes at once, each for one member; answers the addressees it could
   * not reach (not in the room, or oneself), delivering the others.
   */
  relayKeys: {
    request: z.strictObject({
      envelopes: z
        .array(z.strictObject({ to: memberIdSchema, envelope: keyEnvelopeSchema }))
        .min(1)
        .max(MAX_ENVELOPES_PER_BATCH),
    }),
    response: z.strictObject({ undelivered: z.array(memberIdSchema) }),
  },
  /** A sealed chat message for the room's members. */
  sendChat: {
    request: z.strictObject({ ciphertext: chatCiphertextSchema }),
    response: z.strictObject({ sentAt: z.number().int() }),
  },
  /**
   * Lobby chat, each message sealed in the sender's browser for one addressee: a host or co-host
   * in the room writes to people waiting in its lobby now; someone waiting answers hosts or
   * co-hosts in the room now. Answers the addressees it could not reach (delivering the others);
   * refused (`not-found`) when it could reach none.
   */
  sendLobbyMessages: {
    request: z.strictObject({
      messages: z
        .array(z.strictObject({ to: memberIdSchema, ciphertext: lobbyCiphertextSchema }))
        .min(1)
        .max(MAX_LOBBY_MESSAGES_PER_BATCH)
        .refine((messages) => new Set(messages.map((m) => m.to)).size === messages.length, {
          message: 'each addressee at most once',
        }),
    }),
    response: z.strictObject({ sentAt: z.number().int(), undelivered: z.array(memberIdSchema) }),
  },
  leave: { request: empty, response: empty },
  /** A fresh room token before the current one expires (same member, current role). */
  refreshToken: {
    request: empty,
    response: z.strictObject({ token: z.string().max(4096), expiresAt: z.number().int() }),
  },
  // Moderation: hosts and co-hosts; every refusal says why (`forbidden`, `not-found`).
  admit: {
    request: z.strictObject({ memberIds: z.array(memberIdSchema).min(1).max(256) }),
    response: z.strictObject({ admitted: z.array(memberIdSchema) }),
  },
  admitAll: { request: empty, response: z.strictObject({ admitted: z.array(memberIdSchema) }) },
  refuseEntry: { request: z.strictObject({ memberId: memberIdSchema }), response: empty },
  setRoomLocked: { request: z.strictObject({ locked: z.boolean() }), response: empty },
  /** Pauses the member's microphone on the media server; they may unmute themselves. */
  muteMember: { request: z.strictObject({ memberId: memberIdSchema }), response: empty },
  /** Closes the member's camera or screen share. */
  stopMemberVideo: {
    request: z.strictObject({ memberId: memberIdSchema, source: z.enum(['camera', 'screen']) }),
    response: empty,
  },
  /** Removes the member: their token and invite are revoked; E2EE keys rotate when they leave. */
  removeMember: { request: z.strictObject({ memberId: memberIdSchema }), response: empty },
  /**
   * Sends members back to the waiting room (deliberation in camera): their media goes, the
   * others' E2EE keys rotate as on a leave, and every join of theirs waits for a host's
   * admission until `admit` brings them back. All or nothing: one target refused, none sent.
   */
  sendToLobby: {
    request: z.strictObject({ memberIds: z.array(memberIdSchema).min(1).max(100) }),
    response: z.strictObject({ sent: z.array(memberIdSchema) }),
  },
  setMemberRole: {
    request: z.strictObject({ memberId: memberIdSchema, role: assignableRoleSchema }),
    response: empty,
  },
  /** Ends the meeting for everybody (host only). */
  endMeeting: { request: empty, response: empty },
  ...committeeRequests,
  ...mlsRequests,
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
  roomClosed: z.strictObject({ reason: roomClosedReasonSchema }),
  /**
   * The media server lost the room's media (a worker or a host died) and
   * rebuilt it elsewhere: every transport, producer and consumer is gone;
   * membership, roles and E2EE keys are not. Ask `reconnectMedia`, then
   * make everything again. No reload, no rejoin.
   */
  mediaReset: z.strictObject({ reason: z.enum(['worker-died', 'host-lost']) }),
  /** To a waiting member: you are in (same payload as a `join` answer). */
  admitted: joinedSchema,
  /** To hosts and co-hosts: who waits in the lobby now. */
  lobbyChanged: z.strictObject({ waiting: z.array(lobbyEntrySchema).max(1000) }),
  roomUpdated: roomInfoSchema,
  /** A member's role changed. */
  memberUpdated: z.strictObject({ member: memberInfoSchema }),
  /** To the member concerned: a moderator acted on their media. */
  moderated: z.strictObject({ action: moderationActionSchema, by: memberIdSchema }),
  ...committeeEvents,
  ...mlsEvents,
  keyEnvelope: z.strictObject({ from: memberIdSchema, envelope: keyEnvelopeSchema }),
  chatMessage: z.strictObject({
    from: memberIdSchema,
    ciphertext: chatCiphertextSchema,
    sentAt: z.number().int(),
  }),
  /**
   * A lobby message sealed for this person (see `sendLobbyMessages`), with its sender's
   * identity public keys as signaling knows them: the browser checks them (link MAC) and the
   * signature before opening it.
   */
  lobbyMessage: z.strictObject({
    from: memberIdSchema,
    fromName: displayNameSchema,
    /** The sender is a host or co-host (to someone waiting), or waits in the lobby (to a host). */
    fromRole: z.enum(['host', 'co-host', 'waiting']),
    identity: identityKeysSchema,
    ciphertext: lobbyCiphertextSchema,
    sentAt: z.number().int(),
  }),
} as const;

export type RoomEventName = keyof typeof roomEvents;
