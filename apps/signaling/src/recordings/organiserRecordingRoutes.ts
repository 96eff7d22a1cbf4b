import { once } from 'node:events';
import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { recordingIdSchema, type RecordingSummary } from '@confidentiel/protocol';
import { refuse } from '../http/refuse.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import { ownedMeeting } from '../organiser/ownedMeeting.ts';
import type { RecordingStore } from './RecordingStore.ts';
import { chunkIndexOf, recordingNotFound, sendBytes } from './sealedReads.ts';
import { tarEnd, tarEntryLength, tarHeader, tarPadding } from './tarArchive.ts';

export interface OrganiserRecordingRoutesDeps {
  store: RecordingStore;
  meetings: MeetingStore;
  /** The accounts feature's guard: a live organiser session. */
  requireAccount: RequestHandler;
  logger: Logger;
}

/** What the sealed archive's manifest says it is (bumped if its layout changes). */
export const SEALED_ARCHIVE_FORMAT = 'confidentiel-sealed-recording/1';
export const MANIFEST_FILE = 'manifest.json';
export const CHAPTERS_FILE = 'chapters.bin';

/** `chunks/000042.bin`: sorted by name, the files are in playing order. */
export function chunkFileName(index: number): string {
  return `chunks/${String(index).padStart(6, '0')}.bin`;
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

/** The archive's `manifest.json`: what each file is, its digest, and how it was sealed. */
function manifestOf(recording: RecordingSummary, chapters: Buffer | undefined): Buffer {
  const manifest = {
    format: SEALED_ARCHIVE_FORMAT,
    meetingId: recording.meetingId,
    recordingId: recording.recordingId,
    startedAt: iso(recording.startedAt),
    finishedAt: iso(recording.finishedAt),
    sealing:
      'Each file is IV (12 bytes) || AES-256-GCM ciphertext, sealed in the browser. Key: HKDF-SHA-256 of the ' +
      "committee secret (kept by the organiser's browser, never by the server), salt " +
      '"confidentiel committee v2 <meetingId>", info "confidentiel committee v2 recording". Additional data: ' +
      '"<recordingId>:<index>" for chunk <index>, "<recordingId>:chapters" for the chapters (WebVTT). ' +
      'Opened and joined in index order, the chunks are one WebM file.',
    chunks: recording.chunks.map((chunk) => ({
      index: chunk.index,
      file: chunkFileName(chunk.index),
      size: chunk.size,
      sha256: chunk.sha256,
    })),
    chapters: chapters ? { file: CHAPTERS_FILE, size: chapters.length, sha256: sha256Hex(chapters) } : null,
  };
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

/** `enregistrement-2026-03-14T09-30-00Z-AbCdEf.sealed.tar`: when, and which recording. */
function archiveName(recording: RecordingSummary): string {
  const when = new Date(recording.startedAt)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  return `enregistrement-${when}-${recording.recordingId.slice(0, 6)}.sealed.tar`;
}

/**
 * The recordings of a meeting for its organiser, on the meeting page
 * (`/api/organiser/meetings/:meetingId/recordings…`, signed-in account,
 * owner of the meeting; another organiser's meeting answers as an unknown
 * one). Ciphertext only, as for members: the organiser's browser opens it
 * with the committee secret it keeps. The archive is every sealed file as
 * stored, in one `tar` with a manifest of sizes and digests, for keeping.
 */
export function organiserRecordingRoutes(deps: OrganiserRecordingRoutesDeps): express.Router {
  const { store, meetings, logger } = deps;
  const router = express.Router();
  const base = '/organiser/meetings/:meetingId/recordings';

  /** The owner's recording named by `:recordingId`, else answers 404 (or 401) and gives undefined. */
  async function ownedRecording(req: Request, res: Response): Promise<RecordingSummary | undefined> {
    const owned = await ownedMeeting(req, res, { meetings, logger });
    if (!owned) {
      return undefined;
    }
    const id = recordingIdSchema.safeParse(req.params.recordingId);
    const recording = id.success ? await store.get(id.data) : undefined;
    if (!recording || recording.meetingId !== owned.meeting.id) {
      refuse(res, 404, recordingNotFound);
      return undefined;
    }
    return recording;
  }

  router.get(base, deps.requireAccount, async (req, res) => {
    const owned = await ownedMeeting(req, res, { meetings, logger });
    if (!owned) {
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.json({ recordings: await store.list(owned.meeting.id) });
  });

  router.get(`${base}/:recordingId/chunks/:index`, deps.requireAccount, async (req, res) => {
    const recording = await ownedRecording(req, res);
    const index = recording && chunkIndexOf(req, res);
    if (!recording || index === undefined) {
      return;
    }
    const bytes = await store.readChunk(recording.recordingId, index);
    if (!bytes) {
      refuse(res, 404, recordingNotFound);
      return;
    }
    sendBytes(res, bytes);
  });

  router.get(`${base}/:recordingId/chapters`, deps.requireAccount, async (req, res) => {
    const recording = await ownedRecording(req, res);
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

  router.get(`${base}/:recordingId/archive`, deps.requireAccount, async (req, res) => {
    const recording = await ownedRecording(req, res);
    if (!recording) {
      return;
    }
    const chapters = recording.hasChapters ? await store.readChapters(recording.recordingId) : undefined;
    const manifest = manifestOf(recording, chapters);
    const mtime = recording.finishedAt ?? recording.startedAt;
    const length =
      tarEntryLength(manifest.length) +
      recording.chunks.reduce((n, chunk) => n + tarEntryLength(chunk.size), 0) +
      (chapters ? tarEntryLength(chapters.length) : 0) +
      tarEnd().length;
    res.set('Cache-Control', 'no-store');
    res.set('Content-Disposition', `attachment; filename="${archiveName(recording)}"`);
    res.set('Content-Length', String(length));
    res.type('application/x-tar');
    /** Writes with backpressure: a long recording is streamed, never held whole in memory. */
    const write = async (bytes: Buffer): Promise<void> => {
      if (!res.write(bytes)) {
        await once(res, 'drain');
      }
    };
    const file = async (name: string, bytes: Buffer): Promise<void> => {
      await write(tarHeader(name, bytes.length, mtime));
      await write(bytes);
      await write(tarPadding(bytes.length));
    };
    try {
      await file(MANIFEST_FILE, manifest);
      for (const chunk of recording.chunks) {
        const bytes = await store.readChunk(recording.recordingId, chunk.index);
        if (!bytes || bytes.length !== chunk.size) {
          throw new Error(`chunk ${chunk.index} of the recording is not as indexed`);
        }
        await file(chunkFileName(chunk.index), bytes);
      }
      if (chapters) {
        await file(CHAPTERS_FILE, chapters);
      }
      res.end(tarEnd());
    } catch (error) {
      // The headers are gone: cut the answer short, so the download shows as failed, not whole.
      logger.error(
        { err: error, recording: recording.recordingId.slice(0, 6) },
        'sealed recording archive failed',
      );
      res.destroy();
    }
  });

  // express needs the 4-argument signature to recognise an error handler.
  router.use(base, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    logger.error({ err: error }, 'organiser recording request failed');
    refuse(res, 500, { reason: 'internal', message: 'internal error' });
  });
  return router;
}
