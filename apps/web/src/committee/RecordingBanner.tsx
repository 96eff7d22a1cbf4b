import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTimeOfDay } from './elapsed.ts';

/** Everyone must see, all the time, that the session is being recorded. */
export function RecordingBanner(props: { since: number | null }): ReactNode {
  const { t, i18n } = useTranslation();
  return (
    <p className="committee-recording" role="status" data-testid="recording-indicator">
      <span className="committee-recording-dot" aria-hidden="true" />
      <strong>{t('committee.recording.on')}</strong>
      {props.since !== null ? (
        <span className="committee-recording-since">
          {' '}
          {t('committee.recording.since', { time: formatTimeOfDay(props.since, i18n.language) })}
        </span>
      ) : null}
    </p>
  );
}
