import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { DeviceSelect, usableDevices } from '../join/DeviceSelect.tsx';
import { previewProblemKey, usePreview } from '../join/useMediaPreview.ts';
import { MicLevel } from '../ui/MicLevel.tsx';
import { TrackVideo } from '../ui/MediaElements.tsx';
import type { WaitingRoomHost } from './waitingRoom.ts';
import './waiting.css';

/**
 * While waiting to be let in: see oneself, watch the microphone's level, pick
 * another camera or microphone. Nothing of it is sent (the guest is not in the
 * meeting yet); on admission this preview stops (unmounted) and the meeting
 * opens the devices chosen here.
 */
export function WaitingRoomDevices(props: { host: WaitingRoomHost }): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { host } = props;
  const [initial] = useState(() => host.joinDevices);
  const [cameraId, setCameraId] = useState<string | null>(initial.cameraId);
  const [microphoneId, setMicrophoneId] = useState<string | null>(initial.microphoneId);
  const preview = usePreview({ cameraId, microphoneId, cameraEnabled: initial.cameraEnabled });

  // Said on the first render too: the join page's tracks can then be let go (one capture at a time).
  useEffect(() => {
    host.chooseWaitingRoomDevices({ cameraId, microphoneId });
  }, [host, cameraId, microphoneId]);

  const videoTrack = preview.stream?.getVideoTracks()[0] ?? null;
  const audioTrack = preview.stream?.getAudioTracks()[0] ?? null;
  const problemKey = previewProblemKey(preview.error);
  const problem = problemKey ? t(problemKey) : null;

  return (
    <section className="waiting-devices" aria-labelledby={headingId} data-testid="waiting-devices">
      <h2 id={headingId}>{t('devicesTest.title')}</h2>
      <p className="hint">{t('devicesTest.private')}</p>
      <div className="waiting-devices-layout">
        <div className="preview-frame" role="img" aria-label={t('join.preview')}>
          {videoTrack ? (
            <TrackVideo track={videoTrack} testId="waiting-preview-video" mirrored />
          ) : (
            <p className="preview-placeholder">
              {!initial.cameraEnabled
                ? t('join.previewOff')
                : preview.status === 'loading'
                  ? t('join.previewLoading')
                  : ''}
            </p>
          )}
        </div>
        <div className="waiting-devices-choices">
          <MicLevel track={audioTrack} testId="waiting-mic-level" />
          {initial.cameraEnabled ? (
            <DeviceSelect
              label={t('join.camera')}
              testId="waiting-camera-select"
              devices={usableDevices(preview.devices, 'videoinput')}
              value={cameraId}
              onChange={setCameraId}
            />
          ) : null}
          <DeviceSelect
            label={t('join.microphone')}
            testId="waiting-microphone-select"
            devices={usableDevices(preview.devices, 'audioinput')}
            value={microphoneId}
            onChange={setMicrophoneId}
          />
        </div>
      </div>
      {problem ? (
        <p className="notice notice-warning" data-testid="waiting-media-error">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
