import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordingSummary } from '@confidentiel/protocol';
import { createConsoleLogger } from '../logger.ts';
import { OrganiserRecordingApi } from '../recording/OrganiserRecordingApi.ts';
import { openRecording, RecordingDecryptError } from '../recording/openRecording.ts';
import { deriveRecordingKey } from '../recording/recordingKey.ts';
import { RecordingsLibraryView, type RecordingsLibraryViewProps } from '../recording/RecordingsLibrary.tsx';
import { recordingFileName, saveBlob } from '../recording/saveBlob.ts';
import { useRecordingList, useRecordingPlayback } from '../recording/useRecordingPlayback.ts';
import { loadCommitteeSecret } from './committeeSecretStore.ts';
import './recordingList.css';

const logger = createConsoleLogger('organiser-recordings');

/** « Télécharger (déchiffré, WebM) »: where it is. */
export type SaveState =
  | { status: 'saving'; recordingId: string; done: number; total: number }
  | {
      status: 'saved';
      recordingId: string;
      file: string;
      /** The chapters (WebVTT) to save too, as a blob URL; null without chapters. */
      chaptersUrl: string | null;
      chaptersFile: string;
    }
  | { status: 'failed'; recordingId: string; piece: number | 'chapters' | null };

/** What became of the last decrypted download (markup only). */
export function SaveStatus(props: { save: SaveState | null }): ReactNode {
  const { t } = useTranslation();
  const { save } = props;
  if (save === null) {
    return null;
  }
  if (save.status === 'saving') {
    return (
      <p role="status" data-testid="recording-saving">
        {t('recording.organiser.saving', { done: save.done, total: save.total })}
      </p>
    );
  }
  if (save.status === 'failed') {
    return (
      <p className="notice notice-error" role="alert" data-testid="recording-save-error">
        {save.piece === null
          ? t('recording.organiser.saveFailed')
          : save.piece === 'chapters'
            ? t('recording.organiser.decryptChaptersFailed')
            : t('recording.organiser.decryptFailed', { piece: save.piece })}
      </p>
    );
  }
  return (
    <p className="notice notice-ok" role="status" data-testid="recording-saved">
      {t('recording.organiser.saved', { file: save.file })}
      {save.chaptersUrl !== null ? (
        <>
          {' '}
          <a href={save.chaptersUrl} download={save.chaptersFile} data-testid="recording-save-chapters">
            {t('recording.organiser.saveChapters')}
          </a>
        </>
      ) : null}
    </p>
  );
}

export interface OrganiserRecordingsViewProps extends Omit<
  RecordingsLibraryViewProps,
  'rowActions' | 'children'
> {
  save: SaveState | null;
  archiveUrl: (recordingId: string) => string;
  onSave: (recording: RecordingSummary) => void;
}

/** The organiser's card: the library's list and player, with the two downloads on each row. */
export function OrganiserRecordingsView(props: OrganiserRecordingsViewProps): ReactNode {
  const { t } = useTranslation();
  const { save, archiveUrl, onSave, ...library } = props;
  return (
    <div className="organiser-recordings" data-testid="organiser-recordings">
      <RecordingsLibraryView
        {...library}
        rowActions={(recording) => (
          <div className="recording-row-actions">
            <button
              type="button"
              className="button button-small"
              data-testid="recording-download-webm"
              disabled={
                props.keyStatus !== 'held' || recording.chunks.length === 0 || save?.status === 'saving'
              }
              onClick={() => onSave(recording)}
            >
              {t('recording.organiser.downloadWebm')}
            </button>
            <a
              className="button button-small"
              href={archiveUrl(recording.recordingId)}
              download
              data-testid="recording-download-sealed"
            >
              {t('recording.organiser.downloadSealed')}
            </a>
          </div>
        )}
      >
        <p className="hint">{t('recording.organiser.hint')}</p>
        <p className="hint">{t('recording.organiser.sealedHint')}</p>
        <SaveStatus save={save} />
      </RecordingsLibraryView>
    </div>
  );
}

/**
 * The meeting's recordings on the organiser's page, read with the account's
 * session (no need to rejoin the meeting): played here, saved decrypted as
 * WebM, or saved sealed as stored. Decrypting needs the committee secret
 * this browser keeps (made here when the meeting was created, or handed to
 * it in a session); without it the page says so and what to do.
 */
export function RecordingList(props: { meetingId: string }): ReactNode {
  const { t } = useTranslation();
  const { meetingId } = props;
  const server = useMemo(() => new OrganiserRecordingApi(meetingId), [meetingId]);
  const committeeSecret = useMemo(() => loadCommitteeSecret(meetingId), [meetingId]);
  const { list, refresh } = useRecordingList(server, meetingId);
  const player = useRecordingPlayback(server, meetingId, committeeSecret);
  const [save, setSave] = useState<SaveState | null>(null);
  /** Bumped by every save: a late answer for an older one is dropped. */
  const generation = useRef(0);

  useEffect(() => {
    refresh();
  }, [refresh]);

  // The chapters' blob URL lives as long as the message offering it.
  const chaptersUrl = save?.status === 'saved' ? save.chaptersUrl : null;
  useEffect(() => {
    return chaptersUrl === null ? undefined : () => URL.revokeObjectURL(chaptersUrl);
  }, [chaptersUrl]);

  const saveDecrypted = (summary: RecordingSummary): void => {
    if (committeeSecret === null) {
      return;
    }
    const mine = ++generation.current;
    const current = (): boolean => generation.current === mine;
    const { recordingId } = summary;
    setSave({ status: 'saving', recordingId, done: 0, total: summary.chunks.length });
    void (async () => {
      try {
        const key = await deriveRecordingKey(committeeSecret, meetingId);
        const opened = await openRecording({
          server,
          key,
          summary,
          onProgress: (done, total) => {
            if (current()) {
              setSave({ status: 'saving', recordingId, done, total });
            }
          },
        });
        if (!current()) {
          return;
        }
        const stem = t('recording.organiser.fileStem');
        const file = recordingFileName(stem, summary.startedAt, 'webm');
        saveBlob(file, opened.video);
        setSave({
          status: 'saved',
          recordingId,
          file,
          chaptersUrl:
            opened.vtt === null ? null : URL.createObjectURL(new Blob([opened.vtt], { type: 'text/vtt' })),
          chaptersFile: recordingFileName(stem, summary.startedAt, 'vtt'),
        });
      } catch (error) {
        logger.warn('saving a recording failed', error);
        if (current()) {
          setSave({
            status: 'failed',
            recordingId,
            piece: error instanceof RecordingDecryptError ? error.piece : null,
          });
        }
      }
    })();
  };

  return (
    <OrganiserRecordingsView
      keyStatus={committeeSecret === null ? 'not-here' : 'held'}
      list={list}
      playback={player.playback}
      videoRef={player.videoRef}
      onRefresh={refresh}
      onPlay={player.play}
      onSeek={player.seek}
      onClose={player.close}
      save={save}
      archiveUrl={(recordingId) => server.archiveUrl(recordingId)}
      onSave={saveDecrypted}
    />
  );
}
