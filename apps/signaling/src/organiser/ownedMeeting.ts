import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { accountInfoSchema, meetingIdSchema, type AccountInfo, type ErrorBody } from '@confidentiel/protocol';
import { refuse } from '../http/refuse.ts';
import type { Meeting, MeetingStore } from '../meetings/MeetingStore.ts';

/** One answer for an unknown meeting and another organiser's: the two must look the same. */
export const meetingNotFound: ErrorBody = { reason: 'room-not-found', message: 'room not found' };

/**
 * The signed-in organiser's meeting named by `:meetingId` (cancelled ones
 * too), with the account; else answers 401 (no account: `requireAccount` is
 * not mounted before the route) or 404 (unknown, or another organiser's) and
 * gives undefined. The one owner-checked lookup of every organiser route.
 */
export async function ownedMeeting(
  req: Request,
  res: Response,
  deps: { meetings: MeetingStore; logger: Logger },
): Promise<{ account: AccountInfo; meeting: Meeting } | undefined> {
  const account = accountInfoSchema.safeParse(res.locals.account);
  if (!account.success) {
    deps.logger.error('organiser route reached without an account: requireAccount is not mounted');
    refuse(res, 401, { reason: 'unauthorized', message: 'sign in first' });
    return undefined;
  }
  const id = meetingIdSchema.safeParse(req.params.meetingId);
  const meeting = id.success ? await deps.meetings.getOwned(account.data.accountId, id.data) : undefined;
  if (!meeting) {
    refuse(res, 404, meetingNotFound);
    return undefined;
  }
  return { account: account.data, meeting };
}
