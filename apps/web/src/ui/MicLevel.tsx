import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useAudioLevel } from './useAudioLevel.ts';

/**
 * A microphone test: a native <meter> (screen readers read it as a level),
 * moving with the voice. The text under it says what to do when it stays still.
 */
export function MicLevel(props: { track: MediaStreamTrack | null; testId?: string }): ReactNode {
  const { t } = useTranslation();
  const level = useAudioLevel(props.track);
  return (
    <div className="mic-level">
      <label className="mic-level-label">
        {t('devicesTest.micLevel')}
        <meter
          className="mic-level-meter"
          min={0}
          max={1}
          low={0.15}
          high={0.9}
          optimum={0.5}
          value={level}
          data-testid={props.testId ?? 'mic-level'}
          data-level={level}
        />
      </label>
      <p className="hint">{props.track ? t('devicesTest.micHint') : t('devicesTest.noMicrophone')}</p>
    </div>
  );
}
