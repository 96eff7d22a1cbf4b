import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  describeIssue,
  putAgendaRequestSchema,
  type AgendaItem,
  type ErrorBody,
  type JournalListResponse,
  type MemberRole,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { refuseUnreadableBody } from '../http/bodyRefusal.ts';
import type { Meeting, MeetingStore } from '../meetings/MeetingStore.ts';
import { verifyRoomToken } from '../rooms/verifyRoomToken.ts';
import type { AgendaStore, PreparedItem } from './AgendaStore.ts';
import type { JournalService } from './JournalService.ts';
import { authorityHost, journalFacts } from './journalFacts.ts';
import type { RecordingStore } from '../recordings/RecordingStore.ts';
import { organiserRecordingRoutes } from '../recordings/organiserRecordingRoutes.ts';
import { refuse } from '../http/refuse.ts';
import { meetingNotFound, ownedMeeting as ownedMeetingOf } from '../organiser/ownedMeeting.ts';

/** Largest agenda body: 100 items with notes do not fit in the API's usual 16 KB. */
export const AGENDA_BODY_LIMIT = '512kb';
/** Header carrying the key id of `GET /api/journal/public-key` (as in each journal entry's `keyId`). */
export const JOURNAL_KEY_ID_HEADER = 'Journal-Key-Id';
export const JSONL_TYPE = 'application/jsonl; charset=utf-8';

export interface CommitteeRoutesDeps {
  meetings: MeetingStore;
  agenda: AgendaStore;
  journals: JournalService;
  /** Verifies room tokens (a host's token may read its meeting's journals). */
  tokens: TokenService;
  /** The accounts feature's guard: a live organiser session, and CSRF on changes. */
  requireAccount: RequestHandler;
  /** Whether a committee session of the meeting is running or paused (its agenda is in use). */
  hasSession: (meetingId: string) => boolean | Promise<boolean>;
  /** A moderator's role change, outranking the role in a token. */
  roleOverride?: (memberId: string) => Promise<MemberRole | undefined>;
  /** The committee recordings: listed and read for the organiser on the meeting page when given. */
  recordings?: RecordingStore;
  logger: Logger;
}

/** Same body for an unknown meeting and another organiser's: the two must look the same. */

const journalNotFound: ErrorBody = { reason: 'not-found', message: 'no such journal' };

/** The agenda as prepared: every item pending, no time spent yet. */
export function preparedAgenda(items: readonly PreparedItem[]): { items: AgendaItem[] } {
  return {
    items: items.map((item) => ({ ...item, status: 'pending', elapsedMs: 0, speakingMs: {} })),
  };
}

const sessionParamSchema = z.string().max(64);
const short = (id: string): string => id.slice(0, 6);

/**
 * Committee meetings over HTTP (mount at `/api`, before the API's own body
 * parser): the agenda organisers prepare before the session, the session
 * journals for export (the organiser, or a host of the meeting with their
 * room token), and the service's journal public key.
 */
export function committeeRoutes(deps: CommitteeRoutesDeps): express.Router {
  const { meetings, agenda, journals, tokens, logger } = deps;
  const router = express.Router();
  const agendaJson = express.json({ limit: AGENDA_BODY_LIMIT, strict: true });

  /** The signed-in organiser's meeting named by `:meetingId`, else answers 404 (or 401) and gives undefined. */
  async function ownedMeeting(req: Request, res: Response): Promise<Meeting | undefined> {
    return (await ownedMeetingOf(req, res, { meetings, logger }))?.meeting;
  }

  /** `Authorization: Bearer <token>`, if the request has one. */
  function bearerOf(req: Request): string | undefined {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(header);
    return match?.[1];
  }

  /** A host's room token for `:meetingId`; answers 401 or 404 otherwise. */
  async function hostMeeting(req: Request, res: Response, token: string): Promise<Meeting | undefined> {
    let claims;
    try {
      claims = verifyRoomToken(token, tokens);
    } catch {
      refuse(res, 401, { reason: 'unauthorized', message: 'token refused' });
      return undefined;
    }
    const role = (await deps.roleOverride?.(claims.sub)) ?? claims.role;
    const meeting =
      claims.room === req.params.meetingId && role === 'host' ? await meetings.get(claims.room) : undefined;
    if (!meeting) {
      refuse(res, 404, meetingNotFound);
      return undefined;
    }
    return meeting;
  }

  /** Journal routes: a host's bearer token is checked in the route, anything else needs the organiser. */
  const organiserOrHost: RequestHandler = (req, res, next) => {
    if (bearerOf(req) !== undefined) {
      next();
      return;
    }
    deps.requireAccount(req, res, next);
  };

  /**
   * The meeting's journals, each with what its lines say was signed and time-stamped (each file
   * is read once more for it: journals are small, and the organiser's page asks rarely), and how
   * this service signs and time-stamps.
   */
  async function journalList(meetingId: string): Promise<JournalListResponse> {
    const summaries = [];
    for (const summary of await journals.list(meetingId)) {
      const text = (await journals.read(meetingId, summary.sessionId)) ?? '';
      summaries.push({ ...summary, ...journalFacts(text) });
    }
    const stamping = journals.timeStamping;
    return {
      journals: summaries,
      service: {
        keyId: journals.keyId,
        timeStamping: stamping ? { authority: authorityHost(stamping.url), every: stamping.every } : null,
      },
    };
  }

  async function journalMeeting(req: Request, res: Response): Promise<Meeting | undefined> {
    const token = bearerOf(req);
    return token === undefined ? ownedMeeting(req, res) : hostMeeting(req, res, token);
  }

  router.get('/organiser/meetings/:meetingId/agenda', deps.requireAccount, async (req, res) => {
    const meeting = await ownedMeeting(req, res);
    if (!meeting) {
      return;
    }
    res.json(preparedAgenda(await agenda.get(meeting.id)));
  });

  router.put('/organiser/meetings/:meetingId/agenda', deps.requireAccount, agendaJson, async (req, res) => {
    const meeting = await ownedMeeting(req, res);
    if (!meeting) {
      return;
    }
    const body = putAgendaRequestSchema.safeParse(req.body);
    if (!body.success) {
      refuse(res, 400, { reason: 'invalid-payload', message: describeIssue(body.error) });
      return;
    }
    if (meeting.status === 'cancelled') {
      refuse(res, 409, { reason: 'conflict', message: 'the meeting is cancelled' });
      return;
    }
    if (meeting.kind !== 'committee') {
      refuse(res, 409, { reason: 'conflict', message: 'agendas are for committee meetings' });
      return;
    }
    if (await deps.hasSession(meeting.id)) {
      refuse(res, 409, {
        reason: 'conflict',
        message: 'a session of this meeting is under way: the chair orders the agenda in the room',
      });
      return;
    }
    const items = await agenda.replace(meeting.id, body.data.items);
    logger.info({ meeting: short(meeting.id), items: items.length }, 'agenda prepared');
    res.json(preparedAgenda(items));
  });

  router.get('/organiser/meetings/:meetingId/journals', organiserOrHost, async (req, res) => {
    const meeting = await journalMeeting(req, res);
    if (!meeting) {
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.json(await journalList(meeting.id));
  });

  router.get('/organiser/meetings/:meetingId/journals/:sessionId', organiserOrHost, async (req, res) => {
    const meeting = await journalMeeting(req, res);
    if (!meeting) {
      return;
    }
    const sessionId = sessionParamSchema.safeParse(req.params.sessionId);
    const text = sessionId.success ? await journals.read(meeting.id, sessionId.data) : undefined;
    if (text === undefined || !sessionId.success) {
      refuse(res, 404, journalNotFound);
      return;
    }
    const file = `journal-${meeting.id}-${sessionId.data.replaceAll(':', '-')}.jsonl`;
    res.set('Cache-Control', 'no-store');
    res.set('Content-Disposition', `attachment; filename="${file}"`);
    res.type(JSONL_TYPE).send(text);
  });

  if (deps.recordings) {
    router.use(
      organiserRecordingRoutes({
        store: deps.recordings,
        meetings,
        requireAccount: deps.requireAccount,
        logger,
      }),
    );
  }

  router.get('/journal/public-key', (_req, res) => {
    res.set(JOURNAL_KEY_ID_HEADER, journals.keyId);
    res.type('text/plain; charset=utf-8').send(journals.publicKeyPem);
  });

  // express needs the 4-argument signature to recognise an error handler.
  router.use(
    ['/organiser/meetings/:meetingId/agenda', '/organiser/meetings/:meetingId/journals'],
    (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (refuseUnreadableBody(error, res, logger)) {
        return;
      }
      logger.error({ err: error }, 'committee request failed');
      refuse(res, 500, { reason: 'internal', message: 'internal error' });
    },
  );

  return router;
}
