import { z } from 'zod';
import { displayNameSchema, meetingIdSchema } from './ids.ts';
import { passcodeSchema } from './passcode.ts';
import { visibleText } from './text.ts';

/**
 * Meetings and invites over HTTP. Organiser routes (`/api/organiser/*`) need
 * a signed-in session and the CSRF header; guest routes (`/api/invites/*`)
 * need only the invite id from the link.
 */

export const meetingKindSchema = z.enum(['meeting', 'consultation', 'committee']);
export type MeetingKind = z.infer<typeof meetingKindSchema>;

/**
 * Where a meeting stands, following what happened in its room: `scheduled` until
 * someone enters, `live` while people are in it, `ended` once a host ended it
 * or the last person left (`live` again if it reopens), `cancelled` (only a
 * meeting never held; final).
 */
export const meetingStatusSchema = z.enum(['scheduled', 'live', 'ended', 'cancelled']);
export type MeetingStatus = z.infer<typeof meetingStatusSchema>;

/** Invite ids are the link's secret part: 128 random bits, base64url. */
export const inviteIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'bad invite id');

/** Shown to every invitee: the same rule as names (see visibleText). */
const title = visibleText(120);
/** Milliseconds since the epoch. */
const instant = z.number().int().min(0).max(8_640_000_000_000_000);

export const meetingSummarySchema = z.strictObject({
  meetingId: meetingIdSchema,
  title,
  kind: meetingKindSchema,
  startsAt: instant,
  status: meetingStatusSchema,
  /** The meeting's latest session (its room opened); null if it was never held. */
  lastSession: z.strictObject({ startedAt: instant, endedAt: instant.nullable() }).nullable().default(null),
  /** Guests may enter before a host is present. */
  allowEarlyEntry: z.boolean(),
  createdAt: instant,
});
export type MeetingSummary = z.infer<typeof meetingSummarySchema>;

/** `POST /api/organiser/meetings`. */
export const createOrganiserMeetingRequestSchema = z.strictObject({
  title,
  kind: meetingKindSchema,
  startsAt: instant,
  allowEarlyEntry: z.boolean().default(false),
});
/** `PATCH /api/organiser/meetings/:meetingId`. */
export const updateOrganiserMeetingRequestSchema = z
  .strictObject({
    title: title.optional(),
    kind: meetingKindSchema.optional(),
    startsAt: instant.optional(),
    allowEarlyEntry: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
/** `GET /api/organiser/meetings`. */
export const meetingListResponseSchema = z.strictObject({ meetings: z.array(meetingSummarySchema) });

export const inviteRoleSchema = z.enum(['co-host', 'participant', 'observer']);
export type InviteRole = z.infer<typeof inviteRoleSchema>;

/**
 * The confidentiality level, in the organiser's words:
 * 1 `link`: the link alone lets the guest in (after a host arrives, unless early entry is allowed);
 * 2 `passcode`: the link plus a passcode given another way;
 * 3 `lobby`: the link (plus a passcode if `requirePasscode`), and a host admits each person.
 */
export const inviteSummarySchema = z.strictObject({
  inviteId: inviteIdSchema,
  meetingId: meetingIdSchema,
  /** The invitee's name for a personal link; null for a shared link. */
  label: displayNameSchema.nullable(),
  role: inviteRoleSchema,
  requirePasscode: z.boolean(),
  requireAdmission: z.boolean(),
  singleUse: z.boolean(),
  expiresAt: instant.nullable(),
  createdAt: instant,
  revokedAt: instant.nullable(),
  /** Times the link was redeemed. */
  uses: z.number().int().min(0),
});
export type InviteSummary = z.infer<typeof inviteSummarySchema>;

/** `POST /api/organiser/meetings/:meetingId/invites`. */
export const createInviteRequestSchema = z.strictObject({
  label: displayNameSchema.nullable().default(null),
  role: inviteRoleSchema.default('participant'),
  requirePasscode: z.boolean(),
  requireAdmission: z.boolean(),
  singleUse: z.boolean().default(false),
  expiresAt: instant.nullable().default(null),
});
export const createInviteResponseSchema = z.strictObject({
  invite: inviteSummarySchema,
  /** `/i/<inviteId>`: the browser adds the E2EE link secret as `#k=...`. */
  invitePath: z.string(),
  /** Made by the server, shown once to the organiser, stored only hashed. */
  passcode: passcodeSchema.nullable(),
});

/** `GET /api/organiser/meetings/:meetingId`. */
export const meetingDetailResponseSchema = z.strictObject({
  meeting: meetingSummarySchema,
  invites: z.array(inviteSummarySchema),
});

/** `GET /api/invites/:inviteId` (guest): what the invite page shows before asking a name. */
export const invitePreviewResponseSchema = z.strictObject({
  meetingTitle: title,
  kind: meetingKindSchema,
  startsAt: instant,
  requirePasscode: z.boolean(),
  /** The personal link's name, to prefill. */
  label: displayNameSchema.nullable(),
});

/** `POST /api/invites/:inviteId/join-tokens` (guest). */
export const redeemInviteRequestSchema = z.strictObject({
  displayName: displayNameSchema,
  passcode: passcodeSchema.optional(),
});
/** Also the answer of `POST /api/organiser/meetings/:meetingId/host-token`. */
export const roomTokenResponseSchema = z.strictObject({
  meetingId: meetingIdSchema,
  token: z.string(),
  expiresAt: z.number().int(),
});
