import { z } from 'zod';
import { displayNameSchema, meetingIdSchema, memberRoleSchema } from './ids.ts';
import { visibleText } from './text.ts';

/** HTTP API bodies (signaling's express app). */

export const createMeetingRequestSchema = z.strictObject({
  title: visibleText(120).optional(),
});
export const createMeetingResponseSchema = z.strictObject({
  meetingId: meetingIdSchema,
  joinPath: z.string(),
});

/** `GET /api/meetings/:meetingId`: the open meeting exists (404 room-not-found otherwise). */
export const openMeetingResponseSchema = z.strictObject({
  meetingId: meetingIdSchema,
});

export const joinTokenRequestSchema = z.strictObject({
  displayName: displayNameSchema,
});
export const joinTokenResponseSchema = z.strictObject({
  token: z.string(),
  expiresAt: z.number().int(),
});

/** Claims of the short-lived room token (audience `room`). */
export const roomTokenClaimsSchema = z.object({
  sub: z.string().min(8).max(64),
  room: meetingIdSchema,
  name: displayNameSchema,
  typ: z.literal('room'),
  /** Absent on tokens for open (anonymous) meetings: participant. */
  role: memberRoleSchema.default('participant'),
  /** A host must admit this person from the lobby (confidentiality level 3). */
  lobby: z.boolean().default(false),
  /** The invite redeemed for this token (revoked with the member on removal). */
  invite: z.string().max(64).optional(),
});
export type RoomTokenClaims = z.infer<typeof roomTokenClaimsSchema>;

/** The Socket.IO handshake `auth` object of a browser. */
export const roomHandshakeSchema = z.strictObject({
  token: z.string().min(1).max(4096),
  protocolVersion: z.number().int(),
  /** Added by socket.io-client when it asks to recover its session after a drop. */
  pid: z.string().max(64).optional(),
  offset: z.string().max(64).optional(),
});

/** The Socket.IO handshake `auth` object of signaling on the SFU control channel. */
export const controlHandshakeSchema = z.strictObject({
  token: z.string().min(1).max(4096),
  protocolVersion: z.number().int(),
});

/** `GET /api/config`: what this service allows. */
export const serviceConfigResponseSchema = z.strictObject({
  /** Anyone may create an open meeting without an account. */
  openMeetings: z.boolean(),
});
