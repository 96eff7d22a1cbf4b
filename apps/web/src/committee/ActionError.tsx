import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingError } from '../media/MeetingError.ts';
import { committeeErrorKey } from './committeeErrors.ts';

/** A refused committee action, said next to the controls that caused it. */
export function ActionError(props: { error: MeetingError | null }): ReactNode {
  const { t } = useTranslation();
  if (props.error === null) {
    return null;
  }
  return (
    <p
      className="notice notice-error"
      role="alert"
      data-testid="committee-error"
      data-reason={props.error.reason}
    >
      {t(committeeErrorKey(props.error.reason))}
    </p>
  );
}
