import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type ReactNode,
  type RefObject,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordingSummary } from '@confidentiel/protocol';
import type { CommitteeKeySnapshot } from '../committee/CommitteeKeyHolder.ts';
import { createConsoleLogger } from '../logger.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { openRecording, RecordingDecryptError } from './openRecording.ts';
import { RecordingApi, type RecordingServer } from './RecordingApi.ts';
import { deriveRecordingKey } from './recordingKey.ts';
import { useRoomCommittee } from './useRoomCommittee.ts';
import { formatVttTime, type ParsedChapter } from './webvtt.ts';
import './recording.css';

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

/** `H:MM:SS` or `M:SS` of a duration. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function megabytes(recording: RecordingSummary): string {
  const bytes = recording.chunks.reduce((n, c) => n + c.size, 0);
  return (bytes / 1_000_000).toFixed(1);
}

export type LibraryKeyStatus = 'held' | 'waiting-key' | 'not-entitled';

function libraryKeyStatus(key: CommitteeKeySnapshot): LibraryKeyStatus {
  if (key.secret !== null) {
    return 'held';
  }
  return key.status === 'not-entitled' ? 'not-entitled' : 'waiting-key';
}

export interface RecordingsLibraryViewProps {
  /** Whether the committee secret is here to open recordings, or why not. */
  keyStatus: LibraryKeyStatus;
  list: LibraryList;
  playback: Playback | null;
  onRefresh: () => void;
  onPlay: (recording: RecordingSummary) => void;
  onSeek: (chapter: ParsedChapter) => void;
  onClose: () => void;
  videoRef?: RefObject<HTMLVideoElement | null>;
}

/** The library as markup (no effects: rendered as is in tests). */
export function RecordingsLibraryView(props: RecordingsLibraryViewProps): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const language = i18n.language;
  const dates = useMemo(
    () => new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }),
    [language],
  );
  const { list, playback } = props;
  return (
    <section className="recordings-library" aria-labelledby={headingId} data-testid="recordings-library">
      <div className="recordings-header">
        <h2 id={headingId}>{t('recording.library.title')}</h2>
        <button
          type="button"
          className="button button-small"
          data-testid="recordings-refresh"
          onClick={props.onRefresh}
        >
          {t('recording.library.refresh')}
        </button>
      </div>
      {props.keyStatus === 'waiting-key' || props.keyStatus === 'not-entitled' ? (
        <p className="notice notice-warning" data-testid="recording-no-secret" data-status={props.keyStatus}>
          {t(
            props.keyStatus === 'waiting-key'
              ? 'recording.library.waitingKey'
              : 'recording.library.notEntitled',
          )}
        </p>
      ) : null}
      {list.status === 'loading' ? <p role="status">{t('recording.library.loading')}</p> : null}
      {list.status === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {t('recording.library.loadFailed')}
        </p>
      ) : null}
      {list.status === 'ready' && list.recordings.length === 0 ? (
        <p className="hint">{t('recording.library.empty')}</p>
      ) : null}
      {list.status === 'ready' && list.recordings.length > 0 ? (
        <ul className="recording-list">
          {list.recordings.map((recording) => (
            <li key={recording.recordingId} className="recording-row" data-testid="recording-row">
              <span className="recording-when">
                {t('recording.library.startedAt', { date: dates.format(recording.startedAt) })}
              </span>
              <span className="hint">
                {recording.finishedAt === null
                  ? t('recording.library.unfinished')
                  : t('recording.library.duration', {
                      duration: formatDuration(recording.finishedAt - recording.startedAt),
                    })}
                {' · '}
                {t('recording.library.size', {
                  chunks: recording.chunks.length,
                  megabytes: megabytes(recording),
                })}
              </span>
              <button
                type="button"
                className="button button-small"
                data-testid="recording-play"
                disabled={
                  props.keyStatus !== 'held' ||
                  recording.chunks.length === 0 ||
                  playback?.status === 'opening'
                }
                onClick={() => props.onPlay(recording)}
              >
                {t('recording.library.play')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {playback?.status === 'opening' ? (
        <p role="status" data-testid="recording-opening">
          {t('recording.library.opening', { done: playback.done, total: playback.total })}
        </p>
      ) : null}
      {playback?.status === 'failed' ? (
        <p className="notice notice-error" role="alert" data-testid="recording-error">
          {playback.piece === null
            ? t('recording.library.downloadFailed')
            : playback.piece === 'chapters'
              ? t('recording.library.decryptChaptersFailed')
              : t('recording.library.decryptFailed', { piece: playback.piece })}
        </p>
      ) : null}
      {playback?.status === 'ready' ? (
        <div className="recording-playback">
          {playback.missingFrom !== null ? (
            <p className="notice notice-warning">
              {t('recording.library.incomplete', { index: playback.missingFrom })}
            </p>
          ) : null}
          <video
            ref={props.videoRef}
            className="recording-player"
            data-testid="recording-player"
            controls
            playsInline
            preload="metadata"
            src={playback.videoUrl}
            aria-label={t('recording.library.player')}
          >
            {playback.chaptersUrl !== null ? (
              <track
                kind="chapters"
                src={playback.chaptersUrl}
                default
                label={t('recording.library.chapters')}
              />
            ) : null}
          </video>
          {playback.chapters.length > 0 ? (
            <nav aria-label={t('recording.library.chapters')}>
              <ol className="recording-chapters">
                {playback.chapters.map((chapter) => (
                  <li key={`${chapter.startMs}-${chapter.title}`}>
                    <button
                      type="button"
                      className="button button-ghost button-small"
                      data-testid="recording-chapter"
                      data-start-ms={chapter.startMs}
                      onClick={() => props.onSeek(chapter)}
                    >
                      {t('recording.library.chapter', {
                        time: formatVttTime(chapter.startMs).replace(/\.\d{3}$/, ''),
                        title: chapter.title,
                      })}
                    </button>
                  </li>
                ))}
              </ol>
            </nav>
          ) : null}
          <button type="button" className="button button-small" onClick={props.onClose}>
            {t('recording.library.close')}
          </button>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The meeting's recordings, for anyone admitted to a committee session
 * (nothing is shown elsewhere): the list (with the room
 * token), and « Lire »: every chunk downloaded and opened in this browser
 * with the key derived from the link secret, played from a blob URL with
 * the agenda as chapters. Nothing decrypted leaves the page.
 */
/** After a recording stops, the list is read again this much later (its last chunks upload meanwhile). */
const RELIST_AFTER_STOP_MS = 5_000;

export function RecordingsLibrary(props: {
  client: Pick<MeetingClient, 'token' | 'committee' | 'on'>;
  meetingId: string;
  /** The committee secret in this browser (CommitteeKeyHolder's snapshot). */
  committeeKey: CommitteeKeySnapshot;
  /** The server (tests); the `/api` routes with the client's token otherwise. */
  server?: RecordingServer;
}): ReactNode {
  const { client, meetingId } = props;
  const committeeSecret = props.committeeKey.secret;
  const server = useMemo(() => props.server ?? new RecordingApi(() => client.token), [props.server, client]);
  const committee = useRoomCommittee(client);
  const inSession = committee !== null;
  const [list, setList] = useState<LibraryList>({ status: 'loading' });
  const [playback, setPlayback] = useState<Playback | null>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  /** Bumped by every open and close: a late answer for an older one is dropped. */
  const generation = useRef(0);

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

  // Listed on entering the session, and again each time a recording stops (a new one is there),
  // a moment later so that its last chunks and chapters have landed.
  const recordingOn = committee?.recording.on ?? false;
  useEffect(() => {
    if (!inSession || recordingOn) {
      return undefined;
    }
    refresh();
    const timer = setTimeout(refresh, RELIST_AFTER_STOP_MS);
    return () => clearTimeout(timer);
  }, [refresh, inSession, recordingOn]);

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

  if (committee === null) {
    return null;
  }
  return (
    <RecordingsLibraryView
      keyStatus={libraryKeyStatus(props.committeeKey)}
      list={list}
      playback={playback}
      videoRef={videoRef}
      onRefresh={refresh}
      onPlay={play}
      onSeek={(chapter) => {
        const video = videoRef.current;
        if (video) {
          video.currentTime = chapter.startMs / 1000;
          void video.play().catch(() => undefined);
        }
      }}
      onClose={() => {
        generation.current++;
        setPlayback(null);
      }}
    />
  );
}
