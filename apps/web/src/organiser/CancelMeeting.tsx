import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingSummary } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { organiserFailure } from './sessionFailure.ts';

/**
 * "Cancel the meeting", confirmed in place: the question takes the button's
 * place with "keep it" focused, so a stray Enter keeps the meeting; Escape
 * goes back.
 */
export function CancelMeeting(props: {
  meeting: MeetingSummary;
  api: OrganiserApi;
  announce: (message: string) => void;
  onChanged: () => Promise<void>;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { question: useId() };
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);
  const openButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (confirming) {
      keepButton.current?.focus();
    } else if (returnFocus.current) {
      returnFocus.current = false;
      openButton.current?.focus();
    }
  }, [confirming]);

  const keep = (): void => {
    returnFocus.current = true;
    setConfirming(false);
  };

  const cancel = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await props.api.cancelMeeting(props.meeting.meetingId);
      props.announce(t('organiser.meeting.cancelled'));
      // The page then shows the meeting as cancelled, without this control.
      await props.onChanged();
    } catch (failure) {
      setError(organiserFailure(failure));
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape' && !busy) {
      event.preventDefault();
      keep();
    }
  };

  return (
    <section className="organiser-card organiser-danger-zone">
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {confirming ? (
        <div
          role="group"
          aria-labelledby={ids.question}
          onKeyDown={onKeyDown}
          data-testid="cancel-meeting-confirm"
        >
          <p id={ids.question} className="organiser-question">
            {t('organiser.meeting.cancelQuestion', { title: props.meeting.title })}
          </p>
          <div className="actions">
            <button
              ref={keepButton}
              type="button"
              className="button"
              disabled={busy}
              data-testid="cancel-meeting-keep"
              onClick={keep}
            >
              {t('organiser.meeting.cancelNo')}
            </button>
            <button
              type="button"
              className="button button-danger"
              disabled={busy}
              data-testid="cancel-meeting-confirm-button"
              onClick={() => void cancel()}
            >
              {busy ? t('organiser.meeting.cancelling') : t('organiser.meeting.cancelYes')}
            </button>
          </div>
        </div>
      ) : (
        <button
          ref={openButton}
          type="button"
          className="button button-danger-outline"
          data-testid="cancel-meeting"
          onClick={() => setConfirming(true)}
        >
          {t('organiser.meeting.cancel')}
        </button>
      )}
    </section>
  );
}
