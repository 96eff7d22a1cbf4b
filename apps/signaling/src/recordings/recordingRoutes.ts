import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import {
  MAX_RECORDING_CHUNK_BYTES,
  meetingIdSchema,
  recordingIdSchema,
  type ErrorBody,
  type MemberRole,
  type RecordingSummary,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { refuseUnreadableBody } from '../http/bodyRefusal.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import type { Revocations } from '../rooms/Revocations.ts';
import type { Identity } from '../rooms/verifyRoomToken.ts';
import { RecordingError } from './RecordingError.ts';
import type { RecordingStore } from './RecordingStore.ts';
import { verifyRoomBearer } from './roomBearer.ts';
import { refuse } from '../http/refuse.ts';
import { chunkIndexOf, recordingNotFound, sendBytes } from './sealedReads.ts';

/** Largest sealed WebVTT chapters file accepted (an agenda of 100 items fits many times over). */
export const MAX_RECORDING_CHAPTERS_BYTES = 256 * 1024;

export interface RecordingRoutesDeps {
  store: RecordingStore;
  /** Verifies the room tokens sent as `Authorization: Bearer`. */
  tokens: TokenService;
  meetings: MeetingStore;
  logger: Logger;
  /** Removed members' tokens (the room gateway's); none refused when absent. */
  revocations?: Revocations;
  /**
   * A member's role as changed by a moderator since their token was issued
   * (the room gateway's); the token's role when undefined.
   */
  roleOverride?: (memberId: string) => Promise<MemberRole | undefined>;
  /**
   * Whether the member was let into the meeting (the room gateway's
   * admissions). A valid room token is not enough: a guest in the lobby, or
   * refused at the door, holds one too.
   */
  isAdmitted: (roomId: string, memberId: string) => Promise<boolean>;
}

/** Header carrying a recording's write token (given to the browser that started it). */
export const RECORDING_WRITER_HEADER = 'x-recording-writer';

/** Those who may start, feed and finish a recording: the chair's side. */
const RECORDERS: ReadonlySet<MemberRole> = new Set<MemberRole>(['host', 'co-host']);

/** One answer for an unknown meeting and another meeting's: the two must look the same. */
const meetingNotFound: ErrorBody = { reason: 'room-not-found', message: 'room not found' };
const notRecorder: ErrorBody = { reason: 'forbidden', message: 'only a host or co-host records' };
const notAdmitted: ErrorBody = {
  reason: 'not-admitted',
  message: 'recordings are for members a host let into the meeting',
};
const notWriter: ErrorBody = {
  reason: 'forbidden',
  message: 'only the browser that started this recording adds to it',
};

/**
 * `/api` routes of committee recordings. The browsers upload and download
 * ciphertext only (sealed with the committee key, which this server never
 * sees); the room token says who asks, and only members a host let in (see
 * `isAdmitted`) get anything: a host or co-host starts a recording, only the
 * browser that started it (holding its write token) adds to it or finishes
 * it, any admitted member of the meeting reads. A recording of another
 * meeting answers exactly as an unknown one.
 */
export function recordingRoutes(deps: RecordingRoutesDeps): express.Router {
  const router = express.Router();
  const { store, logger } = deps;
  const chunkBody = express.raw({ type: 'application/octet-stream', limit: MAX_RECORDING_CHUNK_BYTES });
  const chaptersBody = express.raw({ type: 'application/octet-stream', limit: MAX_RECORDING_CHAPTERS_BYTES });

  /**
   * The verified identity of an admitted member, or answers 401 (no valid
   * token) or 403 (never let in, or no longer) and gives undefined.
   */
  const identify = async (req: Request, res: Response): Promise<Identity | undefined> => {
    const check = await verifyRoomBearer(req.get('authorization'), deps.tokens, deps.revocations);
    if (!check.ok) {
      refuse(res, 401, check.body);
      return undefined;
    }
    if (!(await deps.isAdmitted(check.identity.room, check.identity.sub))) {
      refuse(res, 403, notAdmitted);
      return undefined;
    }
    const role = (await deps.roleOverride?.(check.identity.sub)) ?? check.identity.role;
    return { ...check.identity, role };
  };

  /** The recording when the caller is a member of its meeting; else answers 404. */
  const recordingFor = async (
    req: Request,
    res: Response,
    identity: Identity,
  ): Promise<RecordingSummary | undefined> => {
    const id = recordingIdSchema.safeParse(req.params.recordingId);
    const recording = id.success ? await store.get(id.data) : undefined;
    if (!recording || recording.meetingId !== identity.room) {
      refuse(res, 404, recordingNotFound);
      return undefined;
    }
    return recording;
  };

  /**
   * Runs before the body is read (a stranger must not make us buffer 8 MiB):
   * a member of the recording's meeting who records, else 401/404/403.
   */
  const writer: express.RequestHandler = async (req, res, next) => {
    const identity = await identify(req, res);
    const recording = identity && (await recordingFor(req, res, identity));
    if (!identity || !recording) {
      return;
    }
    if (!RECORDERS.has(identity.role)) {
      refuse(res, 403, notRecorder);
      return;
    }
    if (!(await store.isWriter(recording.recordingId, req.get(RECORDING_WRITER_HEADER)))) {
      refuse(res, 403, notWriter);
      return;
    }
    res.locals.recording = recording;
    next();
  };
  const recordingOf = (res: Response): RecordingSummary => res.locals.recording as RecordingSummary;

  const sealedBody = (req: Request, res: Response): Buffer | undefined => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      refuse(res, 400, {
        reason: 'invalid-payload',
        message: 'send the sealed bytes as application/octet-stream',
      });
      return undefined;
    }
    return body;
  };

  router.post('/meetings/:meetingId/recordings', async (req, res) => {
    const identity = await identify(req, res);
    if (!identity) {
      return;
    }
    const id = meetingIdSchema.safeParse(req.params.meetingId);
    const meeting = id.success && id.data === identity.room ? await deps.meetings.get(id.data) : undefined;
    if (!meeting) {
      refuse(res, 404, meetingNotFound);
      return;
    }
    if (!RECORDERS.has(identity.role)) {
      refuse(res, 403, notRecorder);
      return;
    }
    const { recording, writeToken } = await store.create(meeting.id);
    logger.info(
      { room: meeting.id.slice(0, 6), recording: recording.recordingId.slice(0, 6) },
      'recording started',
    );
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ recordingId: recording.recordingId, writeToken });
  });

  router.get('/meetings/:meetingId/recordings', async (req, res) => {
    const identity = await identify(req, res);
    if (!identity) {
      return;
    }
    const id = meetingIdSchema.safeParse(req.params.meetingId);
    if (!id.success || id.data !== identity.room) {
      refuse(res, 404, meetingNotFound);
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.json({ recordings: await store.list(id.data) });
  });

  router.put('/recordings/:recordingId/chunks/:index', writer, chunkBody, async (req, res) => {
    const recording = recordingOf(res);
    const index = chunkIndexOf(req, res);
    const bytes = index === undefined ? undefined : sealedBody(req, res);
    if (index === undefined || bytes === undefined) {
      return;
    }
    const stored = await store.putChunk(recording.recordingId, index, bytes);
    logger.debug(
      { recording: recording.recordingId.slice(0, 6), index, size: stored.size, created: stored.created },
      'recording chunk stored',
    );
    res.status(stored.created ? 201 : 200).json({ index, size: stored.size, sha256: stored.sha256 });
  });

  router.get('/recordings/:recordingId/chunks/:index', async (req, res) => {
    const identity = await identify(req, res);
    const recording = identity && (await recordingFor(req, res, identity));
    if (!recording) {
      return;
    }
    const index = chunkIndexOf(req, res);
    if (index === undefined) {
      return;
    }
    const bytes = await store.readChunk(recording.recordingId, index);
    if (!bytes) {
      refuse(res, 404, recordingNotFound);
      return;
    }
    sendBytes(res, bytes);
  });

  router.put('/recordings/:recordingId/chapters', writer, chaptersBody, async (req, res) => {
    const bytes = sealedBody(req, res);
    if (!bytes) {
      return;
    }
    const stored = await store.putChapters(recordingOf(res).recordingId, bytes);
    res.status(stored.created ? 201 : 200).json({ size: stored.size, sha256: stored.sha256 });
  });

  router.get('/recordings/:recordingId/chapters', async (req, res) => {
    const identity = await identify(req, res);
    const recording = identity && (await recordingFor(req, res, identity));
    if (!recording) {
      return;
    }
    const bytes = await store.readChapters(recording.recordingId);
    if (!bytes) {
      refuse(res, 404, recordingNotFound);
      return;
    }
    sendBytes(res, bytes);
  });

  router.post('/recordings/:recordingId/finish', writer, async (_req, res) => {
    const summary = await store.finish(recordingOf(res).recordingId);
    logger.info(
      {
        recording: summary.recordingId.slice(0, 6),
        chunks: summary.chunks.length,
        chapters: summary.hasChapters,
      },
      'recording finished',
    );
    res.json(summary);
  });

  // express needs the 4-argument signature to recognise an error handler. Only for these
  // routes: mounted among others, it must not answer for their failures.
  router.use(
    ['/recordings', '/meetings/:meetingId/recordings'],
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (error instanceof RecordingError) {
        switch (error.reason) {
          case 'not-found':
            refuse(res, 404, recordingNotFound);
            return;
          case 'conflict':
          case 'finished':
            refuse(res, 409, { reason: 'conflict', message: error.message });
            return;
          default: {
            const unreachable: never = error.reason;
            next(new Error(`unknown recording error ${String(unreachable)}`));
            return;
          }
        }
      }
      if (refuseUnreadableBody(error, res, logger)) {
        return;
      }
      logger.error({ err: error }, 'recording request failed');
      refuse(res, 500, { reason: 'internal', message: 'internal error' });
    },
  );
  return router;
}
