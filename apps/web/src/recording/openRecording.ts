import { openCommittee } from '@confidentiel/e2ee';
import type { RecordingSummary } from '@confidentiel/protocol';
import { planPlayback } from './chunkOrder.ts';
import type { RecordingReader } from './RecordingApi.ts';
import { chaptersContext, chunkContext, type RecordingKey } from './recordingKey.ts';
import { parseChaptersVtt, type ParsedChapter } from './webvtt.ts';

/** A piece of the recording that did not open with this key (wrong link, or altered on the server). */
export class RecordingDecryptError extends Error {
  /** The chunk index, or `chapters`. */
  readonly piece: number | 'chapters';

  constructor(piece: number | 'chapters', options?: { cause?: unknown }) {
    super(piece === 'chapters' ? 'the chapters do not decrypt' : `chunk ${piece} does not decrypt`, options);
    this.name = 'RecordingDecryptError';
    this.piece = piece;
  }
}

export interface OpenedRecording {
  /** The whole recording, WebM, ready for a <video>. */
  video: Blob;
  /** The chapters file as recorded (WebVTT), or null. */
  vtt: string | null;
  chapters: ParsedChapter[];
  /** Chunks missing from the server (playback stops before the first). */
  missing: number[];
}

/**
 * Downloads every stored chunk of a recording, opens each with the
 * recording key (its index authenticated, so chunks cannot be reordered or
 * swapped), and joins them; the chapters likewise. Throws
 * RecordingDecryptError naming the first piece that does not open.
 */
export async function openRecording(options: {
  server: Pick<RecordingReader, 'getChunk' | 'getChapters'>;
  key: RecordingKey;
  summary: RecordingSummary;
  onProgress?: (done: number, total: number) => void;
}): Promise<OpenedRecording> {
  const { server, key, summary } = options;
  const plan = planPlayback(summary.chunks);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (const [done, index] of plan.playable.entries()) {
    const sealed = await server.getChunk(summary.recordingId, index);
    try {
      parts.push(await openCommittee(key, Uint8Array.from(sealed), chunkContext(summary.recordingId, index)));
    } catch (error) {
      throw new RecordingDecryptError(index, { cause: error });
    }
    options.onProgress?.(done + 1, plan.playable.length);
  }
  let vtt: string | null = null;
  let chapters: ParsedChapter[] = [];
  if (summary.hasChapters) {
    const sealed = await server.getChapters(summary.recordingId);
    if (sealed) {
      try {
        const plain = await openCommittee(key, Uint8Array.from(sealed), chaptersContext(summary.recordingId));
        vtt = new TextDecoder('utf-8', { fatal: true }).decode(plain);
        chapters = parseChaptersVtt(vtt);
      } catch (error) {
        throw new RecordingDecryptError('chapters', { cause: error });
      }
    }
  }
  return { video: new Blob(parts, { type: 'video/webm' }), vtt, chapters, missing: plan.missing };
}
