import { z } from 'zod';
import { displayNameSchema } from './ids.ts';

/**
 * Organiser accounts over HTTP (signaling's express app, `/api/auth/*`,
 * `/api/enrolment/*`, `/api/admin/*`). Sessions are HTTP-only SameSite=Strict
 * cookies; every state-changing request carries the session's CSRF token in
 * the `x-csrf-token` header.
 */

export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'confidentiel_session';

export const accountRoleSchema = z.enum(['admin', 'organiser']);
export type AccountRole = z.infer<typeof accountRoleSchema>;

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());
/** Long passphrases welcome; 12 characters at least. */
export const passwordSchema = z.string().min(12).max(256);
/** A TOTP code (6 digits) or a recovery code (`xxxx-xxxx-xxxx`, lowercase base32). */
export const oneTimeCodeSchema = z
  .string()
  .trim()
  .regex(/^(\d{6}|[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})$/, 'a 6-digit code or a recovery code');

export const accountInfoSchema = z.strictObject({
  accountId: z.string().min(8).max(64),
  email: z.string(),
  displayName: displayNameSchema,
  role: accountRoleSchema,
});
export type AccountInfo = z.infer<typeof accountInfoSchema>;

/** `POST /api/auth/login`: first step, password. */
export const loginRequestSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
});
/** The password was right: a one-time code is needed to finish (challenge lives 5 minutes). */
export const loginResponseSchema = z.strictObject({
  step: z.literal('one-time-code'),
  challenge: z.string().min(16).max(128),
});

/** `POST /api/auth/one-time-code`: second step; sets the session cookie. */
export const oneTimeCodeRequestSchema = z.strictObject({
  challenge: z.string().min(16).max(128),
  code: oneTimeCodeSchema,
});
/** Answer of the second step and of `GET /api/auth/session`. */
export const sessionResponseSchema = z.strictObject({
  account: accountInfoSchema,
  csrfToken: z.string().min(16).max(128),
  /** Recovery codes left (the UI warns when few remain). */
  recoveryCodesLeft: z.number().int().min(0),
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

/** `POST /api/admin/account-invitations` (admin only): invite an organiser to enrol. */
export const accountInvitationRequestSchema = z.strictObject({
  email: emailSchema,
  displayName: displayNameSchema,
  role: accountRoleSchema.default('organiser'),
});
export const accountInvitationResponseSchema = z.strictObject({
  /** `/inscription#t=<token>`: the token stays in the fragment, out of server logs. */
  enrolPath: z.string(),
  expiresAt: z.number().int(),
});

/** `POST /api/enrolment/start`: what the invitee needs to set up the authenticator app. */
export const enrolmentStartRequestSchema = z.strictObject({
  token: z.string().min(16).max(128),
});
export const enrolmentStartResponseSchema = z.strictObject({
  email: z.string(),
  displayName: displayNameSchema,
  /** Base32 TOTP secret (SHA-1, 6 digits, 30 s), and the same as an `otpauth://` URI. */
  totpSecret: z.string().regex(/^[A-Z2-7]+=*$/),
  otpauthUri: z.string().startsWith('otpauth://totp/'),
});

/** `POST /api/enrolment/complete`: sets the password, proves the authenticator works. */
export const enrolmentCompleteRequestSchema = z.strictObject({
  token: z.string().min(16).max(128),
  password: passwordSchema,
  code: z.string().regex(/^\d{6}$/),
});
export const enrolmentCompleteResponseSchema = z.strictObject({
  /** Shown once; each works once instead of a TOTP code. */
  recoveryCodes: z.array(z.string()).min(8).max(16),
});
