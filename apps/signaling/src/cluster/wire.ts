import { z } from 'zod';
import { roomTokenClaimsSchema } from '@confidentiel/protocol';

/**
 * What an entry node (where a browser's socket is) tells a meeting's owner
 * node: one schema for both ends. The identity was verified by the entry
 * node from the room token; nodes trust each other (Redis is theirs).
 */
export const wireIdentitySchema = roomTokenClaimsSchema.extend({
  exp: z.number().int(),
  jti: z.string().min(1).max(128),
});

export const hostMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('connected'),
    socketId: z.string().min(1).max(64),
    identity: wireIdentitySchema,
    recovered: z.boolean(),
  }),
  z.strictObject({
    type: z.literal('request'),
    socketId: z.string().min(1).max(64),
    memberId: z.string().min(1).max(64),
    roomId: z.string().min(1).max(64),
    event: z.string().min(1).max(64),
    payload: z.unknown(),
  }),
  z.strictObject({
    type: z.literal('disconnected'),
    socketId: z.string().min(1).max(64),
    memberId: z.string().min(1).max(64),
    roomId: z.string().min(1).max(64),
    reason: z.string().max(100),
  }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** The owner's answer to `connected`: go on, or this session is over (the entry node closes the socket). */
export const connectedAnswerSchema = z.strictObject({ accepted: z.boolean() });
export type ConnectedAnswer = z.infer<typeof connectedAnswerSchema>;
