import { useEffect, useId, useMemo, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordingSummary } from '@confidentiel/protocol';
import type { CommitteeKeySnapshot } from '../committee/CommitteeKeyHolder.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { RecordingApi, type RecordingServer } from './RecordingApi.ts';
import {
  useRecordingList,
  useRecordingPlayback,
  type LibraryList,
  type Playback,
} from './useRecordingPlayback.ts';
import { useRoomCommittee } from './useRoomCommittee.ts';
import { formatVttTime, type ParsedChapter } from './webvtt.ts';
import './recording.css';

export type { LibraryList, Playback } from './useRecordingPlayback.ts';

/** `H:MM:SS` or `M:SS` of a duration. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function megabytes(recording: RecordingSummary): string {
  const bytes = recording.chunks.reduce((n, c) => n + c.size, 0);
  return (bytes / 1_000_000).toFixed(1);
}

/**
 * Whether the committee secret is here to open recordings, or why not: in
 * the meeting it is on its way or not for observers; on the organiser's page
 * it is in this browser's storage or not at all (`not-here`).
 */
export type LibraryKeyStatus = 'held' | 'waiting-key' | 'not-entitled' | 'not-here';

const NO_SECRET_MESSAGES = {
  'waiting-key': 'recording.library.waitingKey',
  'not-entitled': 'recording.library.notEntitled',
  'not-here': 'recording.library.notHere',
} as const;

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
  /** More buttons on each recording's row (the organiser's downloads). */
  rowActions?: (recording: RecordingSummary) => ReactNode;
  /** Shown under the list (the organiser's download progress). */
  children?: ReactNode;
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
      {props.keyStatus !== 'held' ? (
        <p className="notice notice-warning" data-testid="recording-no-secret" data-status={props.keyStatus}>
          {t(NO_SECRET_MESSAGES[props.keyStatus])}
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
                {' · '}
                {t(recording.hasChapters ? 'recording.library.withChapters' : 'recording.library.noChapters')}
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
              {props.rowActions?.(recording)}
            </li>
          ))}
        </ul>
      ) : null}
      {props.children}
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

/** After a recording stops, the list is read again this much later (its last chunks upload meanwhile). */
const RELIST_AFTER_STOP_MS = 5_000;

/**
 * The meeting's recordings, for anyone admitted to a committee session
 * (nothing is shown elsewhere): the list with the room token, and « Lire »
 * (see useRecordingPlayback). The organiser's page shows the same list with
 * its session instead (organiser/RecordingList.tsx).
 */
export function RecordingsLibrary(props: {
  client: Pick<MeetingClient, 'token' | 'committee' | 'on'>;
  meetingId: string;
  /** The committee secret in this browser (CommitteeKeyHolder's snapshot). */
  committeeKey: CommitteeKeySnapshot;
  /** The server (tests); the `/api` routes with the client's token otherwise. */
  server?: RecordingServer;
}): ReactNode {
  const { client, meetingId } = props;
  const server = useMemo(() => props.server ?? new RecordingApi(() => client.token), [props.server, client]);
  const committee = useRoomCommittee(client);
  const inSession = committee !== null;
  const { list, refresh } = useRecordingList(server, meetingId);
  const player = useRecordingPlayback(server, meetingId, props.committeeKey.secret);

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

  if (committee === null) {
    return null;
  }
  return (
    <RecordingsLibraryView
      keyStatus={libraryKeyStatus(props.committeeKey)}
      list={list}
      playback={player.playback}
      videoRef={player.videoRef}
      onRefresh={refresh}
      onPlay={player.play}
      onSeek={player.seek}
      onClose={player.close}
    />
  );
}
