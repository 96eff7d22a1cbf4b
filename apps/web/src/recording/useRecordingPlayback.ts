import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { RecordingSummary } from '@confidentiel/protocol';
import { createConsoleLogger } from '../logger.ts';
import { openRecording, RecordingDecryptError } from './openRecording.ts';
import type { RecordingReader } from './RecordingApi.ts';
import { deriveRecordingKey } from './recordingKey.ts';
import type { ParsedChapter } from './webvtt.ts';

const logger = createConsoleLogger('recording');

/** What the player shows for the recording being opened. */
export type Playback =
  | { status: 'opening'; recordingId: string; done: number; total: number }
  | {
      status: 'ready';
      recordingId: string;
      videoUrl: string;
      chaptersUrl: string | null;
      chapters: ParsedChapter[];
      /** First chunk missing, when the recording has a gap. */
      missingFrom: number | null;
    }
  | { status: 'failed'; recordingId: string; piece: number | 'chapters' | null };

export type LibraryList =
  { status: 'loading' } | { status: 'failed' } | { status: 'ready'; recordings: readonly RecordingSummary[] };

/** The meeting's recordings, newest first, read again by `refresh`. */
export function useRecordingList(
  server: Pick<RecordingReader, 'list'>,
  meetingId: string,
): { list: LibraryList; refresh: () => void } {
  const [list, setList] = useState<LibraryList>({ status: 'loading' });
  const refresh = useCallback(() => {
    setList({ status: 'loading' });
    server.list(meetingId).then(
      (recordings) => setList({ status: 'ready', recordings: [...recordings].reverse() }),
      (error: unknown) => {
        logger.warn('listing recordings failed', error);
        setList({ status: 'failed' });
      },
    );
  }, [server, meetingId]);
  return { list, refresh };
}

export interface RecordingPlayback {
  playback: Playback | null;
  videoRef: RefObject<HTMLVideoElement | null>;
  play: (summary: RecordingSummary) => void;
  seek: (chapter: ParsedChapter) => void;
  close: () => void;
}

/**
 * « Lire »: every chunk downloaded and opened in this browser with the key
 * derived from the committee secret, played from a blob URL with the agenda
 * as chapters. Nothing decrypted leaves the page; the blob URLs are released
 * with the player. Shared by the meeting's library and the organiser's page.
 */
export function useRecordingPlayback(
  server: Pick<RecordingReader, 'getChunk' | 'getChapters'>,
  meetingId: string,
  committeeSecret: string | null,
): RecordingPlayback {
  const [playback, setPlayback] = useState<Playback | null>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  /** Bumped by every open and close: a late answer for an older one is dropped. */
  const generation = useRef(0);

  // Blob URLs hold the decrypted recording in memory: released with the player.
  useEffect(() => {
    if (playback?.status !== 'ready') {
      return undefined;
    }
    return () => {
      URL.revokeObjectURL(playback.videoUrl);
      if (playback.chaptersUrl !== null) {
        URL.revokeObjectURL(playback.chaptersUrl);
      }
    };
  }, [playback]);

  const play = (summary: RecordingSummary): void => {
    if (committeeSecret === null) {
      return;
    }
    const mine = ++generation.current;
    const current = (): boolean => generation.current === mine;
    setPlayback({
      status: 'opening',
      recordingId: summary.recordingId,
      done: 0,
      total: summary.chunks.length,
    });
    void (async () => {
      try {
        const key = await deriveRecordingKey(committeeSecret, meetingId);
        const opened = await openRecording({
          server,
          key,
          summary,
          onProgress: (done, total) => {
            if (current()) {
              setPlayback({ status: 'opening', recordingId: summary.recordingId, done, total });
            }
          },
        });
        if (!current()) {
          return;
        }
        setPlayback({
          status: 'ready',
          recordingId: summary.recordingId,
          videoUrl: URL.createObjectURL(opened.video),
          chaptersUrl:
            opened.vtt === null ? null : URL.createObjectURL(new Blob([opened.vtt], { type: 'text/vtt' })),
          chapters: opened.chapters,
          missingFrom: opened.missing[0] ?? null,
        });
      } catch (error) {
        logger.warn('opening a recording failed', error);
        if (current()) {
          setPlayback({
            status: 'failed',
            recordingId: summary.recordingId,
            piece: error instanceof RecordingDecryptError ? error.piece : null,
          });
        }
      }
    })();
  };

  return {
    playback,
    videoRef,
    play,
    seek: (chapter) => {
      const video = videoRef.current;
      if (video) {
        video.currentTime = chapter.startMs / 1000;
        void video.play().catch(() => undefined);
      }
    },
    close: () => {
      generation.current++;
      setPlayback(null);
    },
  };
}
