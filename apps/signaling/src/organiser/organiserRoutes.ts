import { clientAddressResolver, type ClientAddressOf } from '../http/clientAddress.ts';
import { refuseUnreadableBody } from '../http/bodyRefusal.ts';
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  accountInfoSchema,
  createInviteRequestSchema,
  createOrganiserMeetingRequestSchema,
  inviteIdSchema,
  invalidPayloadBody,
  redeemInviteRequestSchema,
  updateOrganiserMeetingRequestSchema,
  type AccountInfo,
  type ErrorBody,
  type InviteSummary,
  type MemberRole,
  type MeetingSummary,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { hashSecret, verifySecret, PASSWORD_COST, type ScryptCost } from '../crypto/secretHash.ts';
import { BusyError } from '../crypto/BusyError.ts';
import type { HashGate } from '../crypto/HashGate.ts';
import { createHashGates } from '../crypto/hashGates.ts';
import type { Invite, InviteStore } from '../invites/InviteStore.ts';
import { newPasscode } from '../invites/passcode.ts';
import {
  DEFAULT_PASSCODE_LIMITS,
  PasscodeAttempts,
  type PasscodeLimits,
} from '../invites/PasscodeAttempts.ts';
import type { RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import type { Meeting, MeetingStore } from '../meetings/MeetingStore.ts';
import { issueRoomToken as issueToken } from '../socket/roomTokens.ts';
import { refuse } from '../http/refuse.ts';
import { meetingNotFound, ownedMeeting as ownedMeetingOf } from './ownedMeeting.ts';

export interface OrganiserRoutesDeps {
  meetings: MeetingStore;
  invites: InviteStore;
  tokens: TokenService;
  /**
   * Runs before every `/organiser/*` route: answers unauthenticated requests
   * itself (and checks CSRF), else sets `res.locals.account` (AccountInfo).
   */
  requireAccount: RequestHandler;
  /** Lifetime of the room tokens issued here, in seconds. */
  joinTokenTtl: number;
  logger: Logger;
  /** Milliseconds since the epoch (invite expiry). */
  now?: () => number;
  /** scrypt cost of passcode hashes; PASSWORD_COST unless a test makes it cheap. */
  passcodeCost?: ScryptCost;
  /** Random bytes (member ids). */
  random?: (n: number) => Buffer;
  /** The client's address for per-address limits. */
  clientAddress?: ClientAddressOf;
  /** Passcode guesses allowed per invite and per client in a window. */
  passcodeLimits?: PasscodeLimits;
  /**
   * Every passcode hash goes through it (the service's HashGates.passcodes,
   * apart from password hashes); a gate of these routes' own when absent.
   */
  passcodeGate?: HashGate;
  /** Where the passcode limiters are made: shared by every node (Redis), or these routes' own (the default). */
  rateLimiters?: RateLimiterFactory;
}

/** Same body for an unknown meeting and another organiser's: the two must look the same. */

/** Same body for an unknown, revoked, expired or used-up invite, and for a cancelled meeting's. */
const inviteInvalid: ErrorBody = { reason: 'invite-invalid', message: 'this invitation link is not valid' };
const meetingCancelled: ErrorBody = { reason: 'conflict', message: 'the meeting is cancelled' };
/** Only a meeting never held is cancelled: one under way or held keeps its true record. */
const meetingHeld: ErrorBody = {
  reason: 'conflict',
  message: 'the meeting was opened (under way or held): it can no longer be cancelled',
};

/** Bodies of the POST routes that take none: nothing, or `{}`. */
const emptyBodySchema = z.strictObject({}).optional();

function invalid(res: Response, error: z.ZodError): void {
  refuse(res, 400, invalidPayloadBody(error));
}

function meetingSummary(meeting: Meeting): MeetingSummary {
  return {
    meetingId: meeting.id,
    title: meeting.title ?? '',
    kind: meeting.kind,
    startsAt: meeting.startsAt,
    status: meeting.status,
    lastSession: meeting.lastSession,
    allowEarlyEntry: meeting.allowEarlyEntry,
    createdAt: meeting.createdAt,
  };
}

/** Never the passcode hash. */
function inviteSummary(invite: Invite): InviteSummary {
  return {
    inviteId: invite.id,
    meetingId: invite.meetingId,
    label: invite.label,
    role: invite.role,
    requirePasscode: invite.passcodeHash !== null,
    requireAdmission: invite.requireAdmission,
    singleUse: invite.singleUse,
    expiresAt: invite.expiresAt,
    createdAt: invite.createdAt,
    revokedAt: invite.revokedAt,
    uses: invite.uses,
  };
}

/** Ids in logs are cut short: enough to correlate, useless as a link. */
const short = (id: string): string => id.slice(0, 6);

/**
 * The organiser's meetings and invites (`/organiser/*`, signed in) and the
 * guest side of invite links (`/invites/*`). Mount at `/api`.
 */
export function organiserRoutes(deps: OrganiserRoutesDeps): express.Router {
  if (!(deps.joinTokenTtl > 0)) {
    throw new TypeError('joinTokenTtl must be positive');
  }
  const { meetings, invites, tokens, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? randomBytes;
  const clientAddress = deps.clientAddress ?? clientAddressResolver(false);
  const passcodeCost = deps.passcodeCost ?? PASSWORD_COST;
  const attempts = new PasscodeAttempts(deps.passcodeLimits ?? DEFAULT_PASSCODE_LIMITS, deps.rateLimiters);
  const passcodeGate = deps.passcodeGate ?? createHashGates().passcodes;
  const json = express.json({ limit: '16kb', strict: true });

  const router = express.Router();
  router.use('/organiser', deps.requireAccount, json);
  router.use('/invites', json);

  /** The signed-in account; a missing one is a wiring fault, refused rather than trusted. */
  function accountOf(res: Response): AccountInfo | undefined {
    const account = accountInfoSchema.safeParse(res.locals.account);
    if (!account.success) {
      logger.error('organiser route reached without an account: requireAccount is not mounted');
      refuse(res, 401, { reason: 'unauthorized', message: 'sign in first' });
      return undefined;
    }
    return account.data;
  }

  /** The caller's meeting named by `:meetingId` (cancelled too), else answers 404 and gives undefined. */
  function ownedMeeting(
    req: Request,
    res: Response,
  ): Promise<{ account: AccountInfo; meeting: Meeting } | undefined> {
    return ownedMeetingOf(req, res, { meetings, logger });
  }

  function issueRoomToken(
    meetingId: string,
    claims: { name: string; role: MemberRole; lobby: boolean; invite?: string },
  ): { meetingId: string; token: string; expiresAt: number } {
    const { token, expiresAt } = issueToken(
      tokens,
      { sub: random(12).toString('base64url'), room: meetingId, ...claims },
      deps.joinTokenTtl,
    );
    return { meetingId, token, expiresAt };
  }

  router.get('/organiser/meetings', async (_req, res) => {
    const account = accountOf(res);
    if (!account) {
      return;
    }
    const owned = await meetings.listByOwner(account.accountId);
    res.json({ meetings: owned.map(meetingSummary) });
  });

  router.post('/organiser/meetings', async (req, res) => {
    const account = accountOf(res);
    if (!account) {
      return;
    }
    const body = createOrganiserMeetingRequestSchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    const meeting = await meetings.createForOrganiser(account.accountId, body.data);
    logger.info({ meeting: short(meeting.id), kind: meeting.kind }, 'organiser meeting created');
    res.status(201).json(meetingSummary(meeting));
  });

  router.get('/organiser/meetings/:meetingId', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const list = await invites.listByMeeting(owned.meeting.id);
    res.json({ meeting: meetingSummary(owned.meeting), invites: list.map(inviteSummary) });
  });

  router.patch('/organiser/meetings/:meetingId', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const body = updateOrganiserMeetingRequestSchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    // undefined here: cancelled, before or while this request ran.
    const updated =
      owned.meeting.status === 'cancelled'
        ? undefined
        : await meetings.update(owned.account.accountId, owned.meeting.id, body.data);
    if (!updated) {
      refuse(res, 409, meetingCancelled);
      return;
    }
    res.json(meetingSummary(updated));
  });

  router.post('/organiser/meetings/:meetingId/cancel', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const body = emptyBodySchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    const cancelled = await meetings.cancel(owned.account.accountId, owned.meeting.id);
    if (!cancelled) {
      refuse(res, 404, meetingNotFound);
      return;
    }
    if (cancelled.status !== 'cancelled') {
      refuse(res, 409, meetingHeld);
      return;
    }
    if (owned.meeting.status !== 'cancelled') {
      logger.info({ meeting: short(cancelled.id) }, 'organiser meeting cancelled');
    }
    res.json(meetingSummary(cancelled));
  });

  router.post('/organiser/meetings/:meetingId/invites', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const body = createInviteRequestSchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    if (owned.meeting.status === 'cancelled') {
      refuse(res, 409, meetingCancelled);
      return;
    }
    const { label, role, requirePasscode, requireAdmission, singleUse, expiresAt } = body.data;
    if (expiresAt !== null && expiresAt <= now()) {
      refuse(res, 400, {
        reason: 'invalid-payload',
        message: 'expiresAt: already past',
        field: 'expiresAt',
      });
      return;
    }
    const passcode = requirePasscode ? newPasscode() : null;
    const passcodeHash =
      passcode === null ? null : await passcodeGate.run(() => hashSecret(passcode, passcodeCost));
    const invite = await invites.create({
      meetingId: owned.meeting.id,
      label,
      role,
      passcodeHash,
      requireAdmission,
      singleUse,
      expiresAt,
    });
    logger.info(
      { meeting: short(owned.meeting.id), role, requirePasscode, requireAdmission, singleUse },
      'invite created',
    );
    res.status(201).json({ invite: inviteSummary(invite), invitePath: `/i/${invite.id}`, passcode });
  });

  router.post('/organiser/meetings/:meetingId/invites/:inviteId/revoke', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const id = inviteIdSchema.safeParse(req.params.inviteId);
    const body = emptyBodySchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    const revoked = id.success ? await invites.revoke(owned.meeting.id, id.data) : undefined;
    if (!revoked) {
      refuse(res, 404, inviteInvalid);
      return;
    }
    logger.info({ meeting: short(owned.meeting.id) }, 'invite revoked');
    res.status(204).end();
  });

  router.post('/organiser/meetings/:meetingId/host-token', async (req, res) => {
    const owned = await ownedMeeting(req, res);
    if (!owned) {
      return;
    }
    const body = emptyBodySchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    if (owned.meeting.status === 'cancelled') {
      refuse(res, 409, meetingCancelled);
      return;
    }
    res
      .status(201)
      .json(
        issueRoomToken(owned.meeting.id, { name: owned.account.displayName, role: 'host', lobby: false }),
      );
  });

  /** The usable invite named by `:inviteId` and its meeting, else answers 404 invite-invalid. */
  async function usableInvite(
    req: Request,
    res: Response,
  ): Promise<{ invite: Invite; meeting: Meeting } | undefined> {
    const id = inviteIdSchema.safeParse(req.params.inviteId);
    const invite = id.success ? await invites.getUsable(id.data) : undefined;
    // meetings.get gives undefined for a cancelled meeting too.
    const meeting = invite ? await meetings.get(invite.meetingId) : undefined;
    if (!invite || !meeting) {
      refuse(res, 404, inviteInvalid);
      return undefined;
    }
    return { invite, meeting };
  }

  router.get('/invites/:inviteId', async (req, res) => {
    const found = await usableInvite(req, res);
    if (!found) {
      return;
    }
    const { invite, meeting } = found;
    res.json({
      meetingTitle: meeting.title ?? '',
      kind: meeting.kind,
      startsAt: meeting.startsAt,
      requirePasscode: invite.passcodeHash !== null,
      label: invite.label,
    });
  });

  router.post('/invites/:inviteId/join-tokens', async (req, res) => {
    const found = await usableInvite(req, res);
    if (!found) {
      return;
    }
    const { invite, meeting } = found;
    const body = redeemInviteRequestSchema.safeParse(req.body);
    if (!body.success) {
      invalid(res, body.error);
      return;
    }
    if (invite.passcodeHash !== null) {
      const passcode = body.data.passcode;
      if (passcode === undefined) {
        refuse(res, 401, { reason: 'passcode-required', message: 'this invitation needs a passcode' });
        return;
      }
      const client = clientAddress(req);
      const verdict = await attempts.begin(invite.id, client);
      if (!verdict.allowed) {
        logger.warn({ meeting: short(meeting.id) }, 'passcode attempts rate-limited');
        res.set('Retry-After', String(verdict.retryAfterSeconds));
        refuse(res, 429, { reason: 'rate-limited', message: 'too many attempts, try again later' });
        return;
      }
      const hash = invite.passcodeHash;
      let right: boolean;
      try {
        right = await passcodeGate.run(() => verifySecret(passcode, hash));
      } catch (error) {
        if (error instanceof BusyError) {
          // Never checked: not a guess (the error handler answers 503 busy).
          await attempts.abandoned(invite.id, client);
        }
        throw error;
      }
      if (!right) {
        logger.info({ meeting: short(meeting.id) }, 'wrong passcode');
        refuse(res, 401, { reason: 'wrong-passcode', message: 'wrong passcode' });
        return;
      }
      await attempts.succeeded(invite.id, client);
    }
    // Counted only now, atomically: a concurrent redemption may have used it up meanwhile.
    const redeemed = await invites.redeem(invite.id);
    if (!redeemed) {
      refuse(res, 404, inviteInvalid);
      return;
    }
    logger.info({ meeting: short(meeting.id), role: redeemed.role }, 'invite redeemed');
    res.status(201).json(
      issueRoomToken(meeting.id, {
        name: body.data.displayName,
        role: redeemed.role,
        lobby: redeemed.requireAdmission,
        invite: redeemed.id,
      }),
    );
  });

  // express needs the 4-argument signature to recognise an error handler.
  router.use(
    ['/organiser', '/invites'],
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (error instanceof BusyError) {
        // No capacity for a passcode hash now (see crypto/HashGate.ts): nothing was checked.
        logger.warn({ busyCause: error.busyCause }, 'passcode hashing at capacity: request refused');
        res.set('Retry-After', String(error.retryAfterSeconds));
        refuse(res, 503, error.toBody());
        return;
      }
      if (refuseUnreadableBody(error, res, logger)) {
        return;
      }
      logger.error({ err: error }, 'organiser request failed');
      refuse(res, 500, { reason: 'internal', message: 'internal error' });
    },
  );

  return router;
}
