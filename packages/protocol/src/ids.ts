import { z } from 'zod';
import { visibleText } from './text.ts';

/** Meeting ids: 22+ base64url characters, i.e. at least 128 random bits. */
export const meetingIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,64}$/, 'meeting id must be 22-64 base64url characters');
export type MeetingId = z.infer<typeof meetingIdSchema>;

/** Member ids are made by signaling (random, base64url). */
export const memberIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'bad member id');
export type MemberId = z.infer<typeof memberIdSchema>;

/** Ids made by mediasoup (UUIDs). */
export const mediaIdSchema = z.string().regex(/^[0-9a-f-]{36}$/, 'bad media id');

/**
 * A person's name as others see it (room members, invite labels, accounts,
 * committee attendance): trimmed, 1-64 characters, no invisible or control
 * characters, at least one visible one (see visibleText).
 */
export const displayNameSchema = visibleText(64);

/** A member's role in a room; hosts and co-hosts moderate, observers do not publish. */
export const memberRoleSchema = z.enum(['host', 'co-host', 'participant', 'observer']);
export type MemberRole = z.infer<typeof memberRoleSchema>;
