import type { Request, Response } from 'express';
import { MAX_RECORDING_CHUNKS, type ErrorBody } from '@confidentiel/protocol';
import { refuse } from '../http/refuse.ts';

/**
 * What the two ways of reading a recording share (a member's room token in
 * the meeting, the organiser's account on the meeting page): the same
 * refusals and the same bytes.
 */

/** One answer for an unknown recording, another meeting's, and a missing piece of it. */
export const recordingNotFound: ErrorBody = { reason: 'not-found', message: 'recording not found' };

const CHUNK_INDEX = /^(0|[1-9][0-9]{0,8})$/;

/** Sealed bytes, exactly as stored: never cached by a proxy or the browser. */
export function sendBytes(res: Response, bytes: Buffer): void {
  res.set('Cache-Control', 'no-store');
  res.type('application/octet-stream').send(bytes);
}

/** The `:index` of the path, or answers 400 and gives undefined. */
export function chunkIndexOf(req: Request, res: Response): number | undefined {
  const raw = String(req.params.index);
  const index = CHUNK_INDEX.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(index) || index >= MAX_RECORDING_CHUNKS) {
    refuse(res, 400, {
      reason: 'invalid-payload',
      message: `chunk index must be an integer from 0 to ${MAX_RECORDING_CHUNKS - 1}`,
    });
    return undefined;
  }
  return index;
}
