import { useId, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { RecorderSnapshot } from './CommitteeRecorder.ts';
import type { RecorderErrorReason } from './RecorderError.ts';
import { useCommitteeRecorder } from './useCommitteeRecorder.ts';
import { useRoomCommittee } from './useRoomCommittee.ts';
import './recording.css';

export function recorderErrorKey(reason: RecorderErrorReason): ParseKeys {
  switch (reason) {
    case 'no-committee-key':
      return 'recording.errors.noCommitteeKey';
    case 'unsupported':
      return 'recording.errors.unsupported';
    case 'refused':
      return 'recording.errors.refused';
    case 'storage':
      return 'recording.errors.storage';
    case 'media':
      return 'recording.errors.media';
    case 'upload-incomplete':
      return 'recording.errors.uploadIncomplete';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

function phaseKey(phase: RecorderSnapshot['phase']): ParseKeys {
  switch (phase) {
    case 'idle':
      return 'recording.controls.idle';
    case 'starting':
      return 'recording.controls.starting';
    case 'recording':
      return 'recording.controls.recording';
    case 'stopping':
      return 'recording.controls.stopping';
    default: {
      const unreachable: never = phase;
      return unreachable;
    }
  }
}

export interface RecordingControlsViewProps {
  snapshot: RecorderSnapshot;
  /** The browser has the link secret (else nothing can be sealed). */
  canRecord: boolean;
  /** The room says another recording (not this browser's) is on. */
  otherRecording: boolean;
  /** False while the chunk queue opens. */
  ready?: boolean;
  onStart: () => void;
  onStop: () => void;
  onRetry: () => void;
}

/** The chair's recording controls as markup (no effects: rendered as is in tests). */
export function RecordingControlsView(props: RecordingControlsViewProps): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { snapshot } = props;
  const busy = snapshot.phase === 'starting' || snapshot.phase === 'stopping';
  const recording = snapshot.phase === 'recording' || snapshot.phase === 'stopping';
  return (
    <section className="recording-controls" aria-labelledby={headingId} data-testid="recording-controls">
      <h2 id={headingId}>{t('recording.controls.title')}</h2>
      {!props.canRecord ? (
        <p className="notice notice-warning" data-testid="recording-no-secret">
          {t('recording.controls.noCommitteeKey')}
        </p>
      ) : (
        <>
          <p className="hint">{t('recording.controls.explain')}</p>
          <div className="recording-actions">
            {recording ? (
              <button
                type="button"
                className="button recording-stop"
                data-testid="recording-stop"
                disabled={busy}
                onClick={props.onStop}
              >
                <span className="recording-dot" aria-hidden="true" /> {t('recording.controls.stop')}
              </button>
            ) : (
              <button
                type="button"
                className="button button-primary"
                data-testid="recording-start"
                disabled={busy || props.otherRecording || props.ready === false}
                onClick={props.onStart}
              >
                {t('recording.controls.start')}
              </button>
            )}
            {snapshot.error === 'upload-incomplete' && !recording ? (
              <button type="button" className="button" data-testid="recording-retry" onClick={props.onRetry}>
                {t('recording.controls.retry')}
              </button>
            ) : null}
          </div>
          {props.otherRecording && !recording ? (
            <p className="hint">{t('recording.controls.otherRecording')}</p>
          ) : null}
        </>
      )}
      <p
        className="recording-status"
        role="status"
        data-testid="recording-status"
        data-phase={snapshot.phase}
        data-uploaded={snapshot.uploaded}
        data-pending={snapshot.pending}
        data-recording-id={snapshot.recordingId ?? ''}
      >
        {t(phaseKey(snapshot.phase))}{' '}
        {t('recording.controls.progress', { uploaded: snapshot.uploaded, pending: snapshot.pending })}
      </p>
      {snapshot.failing ? <p className="notice notice-warning">{t('recording.controls.failing')}</p> : null}
      {snapshot.error !== null ? (
        <p className="notice notice-error" role="alert" data-testid="recording-control-error">
          {t(recorderErrorKey(snapshot.error))}
        </p>
      ) : null}
    </section>
  );
}

const idleSnapshot: RecorderSnapshot = {
  phase: 'idle',
  recordingId: null,
  uploaded: 0,
  pending: 0,
  failing: false,
  error: null,
};
const noRecorder = (): (() => void) => () => {};

/**
 * The chair's recording controls (host only: the chair holds the decrypted
 * media and the link secret), in a committee session. Renders nothing for
 * anyone else, nor outside a committee session.
 */
export function RecordingControls(props: {
  client: MeetingClient;
  meetingId: string;
  /** The committee secret in this browser (null until a host handed it). */
  committeeSecret: string | null;
}): ReactNode {
  const { client } = props;
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot);
  const committee = useRoomCommittee(client);
  // Only in a committee session, and only the chair.
  const chair = state.self?.role === 'host' && committee !== null;
  const recorder = useCommitteeRecorder(client, props.meetingId, props.committeeSecret, chair);
  const snapshot = useSyncExternalStore(
    recorder ? recorder.subscribe : noRecorder,
    () => recorder?.snapshot ?? idleSnapshot,
  );
  if (!chair) {
    return null;
  }
  const roomRecording = committee?.recording;
  const otherRecording =
    roomRecording?.on === true &&
    roomRecording.recordingId !== null &&
    roomRecording.recordingId !== snapshot.recordingId;
  return (
    <RecordingControlsView
      snapshot={snapshot}
      canRecord={props.committeeSecret !== null}
      otherRecording={otherRecording}
      ready={recorder !== null}
      onStart={() => {
        // A refusal shows in the snapshot's error.
        recorder?.start().catch(() => undefined);
      }}
      onStop={() => {
        void recorder?.stop();
      }}
      onRetry={() => {
        void recorder?.resume();
      }}
    />
  );
}
