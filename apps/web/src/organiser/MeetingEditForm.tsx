import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingSummary } from '@confidentiel/protocol';
import type { MeetingChanges, OrganiserApi } from '../api/organiserApi.ts';
import { TITLE_MAX_LENGTH } from './CreateMeetingForm.tsx';
import { fromDateTimeInputValue, toDateTimeInputValue } from './dateTime.ts';
import { organiserFailure } from './sessionFailure.ts';

type FieldError = 'title' | 'startsAt' | null;

/** Title, date and early entry of a scheduled meeting; only what changed is sent. */
export function MeetingEditForm(props: {
  meeting: MeetingSummary;
  api: OrganiserApi;
  onChanged: () => Promise<void>;
}): ReactNode {
  const { t } = useTranslation();
  const { meeting } = props;
  const ids = {
    heading: useId(),
    title: useId(),
    titleError: useId(),
    startsAt: useId(),
    startsAtError: useId(),
    early: useId(),
  };
  const titleInput = useRef<HTMLInputElement>(null);
  const startsAtInput = useRef<HTMLInputElement>(null);
  const [title, setTitle] = useState(meeting.title);
  const [startsAt, setStartsAt] = useState(() => toDateTimeInputValue(meeting.startsAt));
  const [allowEarlyEntry, setAllowEarlyEntry] = useState(meeting.allowEarlyEntry);
  const [fieldError, setFieldError] = useState<FieldError>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);
  const [saved, setSaved] = useState<ParseKeys | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    const trimmed = title.trim();
    const start = fromDateTimeInputValue(startsAt);
    if (trimmed === '' || trimmed.length > TITLE_MAX_LENGTH) {
      setFieldError('title');
      titleInput.current?.focus();
      return;
    }
    if (start === null) {
      setFieldError('startsAt');
      startsAtInput.current?.focus();
      return;
    }
    setFieldError(null);
    const changes: MeetingChanges = {};
    if (trimmed !== meeting.title) {
      changes.title = trimmed;
    }
    // Compared at the minute the form shows, so that seconds on the server do not count as a change.
    if (startsAt !== toDateTimeInputValue(meeting.startsAt)) {
      changes.startsAt = start;
    }
    if (allowEarlyEntry !== meeting.allowEarlyEntry) {
      changes.allowEarlyEntry = allowEarlyEntry;
    }
    if (Object.keys(changes).length === 0) {
      setSaved('organiser.meeting.nothingChanged');
      return;
    }
    setBusy(true);
    try {
      await props.api.updateMeeting(meeting.meetingId, changes);
      await props.onChanged();
      setSaved('organiser.meeting.saved');
    } catch (failure) {
      setError(organiserFailure(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="organiser-card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>{t('organiser.meeting.editTitle')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="edit-meeting-form">
        {error ? (
          <p className="notice notice-error" role="alert">
            {t(error)}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor={ids.title}>{t('organiser.dashboard.meetingTitle')}</label>
          <input
            ref={titleInput}
            id={ids.title}
            type="text"
            autoComplete="off"
            maxLength={TITLE_MAX_LENGTH}
            value={title}
            data-testid="edit-meeting-title"
            aria-invalid={fieldError === 'title' ? true : undefined}
            aria-describedby={fieldError === 'title' ? ids.titleError : undefined}
            onChange={(event) => setTitle(event.target.value)}
          />
          {fieldError === 'title' ? (
            <p className="field-error" id={ids.titleError}>
              {t('organiser.dashboard.titleRequired')}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ids.startsAt}>{t('organiser.dashboard.startsAt')}</label>
          <input
            ref={startsAtInput}
            id={ids.startsAt}
            type="datetime-local"
            value={startsAt}
            data-testid="edit-meeting-starts-at"
            aria-invalid={fieldError === 'startsAt' ? true : undefined}
            aria-describedby={fieldError === 'startsAt' ? ids.startsAtError : undefined}
            onChange={(event) => setStartsAt(event.target.value)}
          />
          {fieldError === 'startsAt' ? (
            <p className="field-error" id={ids.startsAtError}>
              {t('organiser.dashboard.startsAtRequired')}
            </p>
          ) : null}
        </div>
        <label className="check" htmlFor={ids.early}>
          <input
            id={ids.early}
            type="checkbox"
            checked={allowEarlyEntry}
            data-testid="edit-meeting-early-entry"
            onChange={(event) => setAllowEarlyEntry(event.target.checked)}
          />
          {t('organiser.dashboard.earlyEntry')}
        </label>
        <button type="submit" className="button" disabled={busy} data-testid="edit-meeting-submit">
          {busy ? t('organiser.meeting.saving') : t('organiser.meeting.save')}
        </button>
        <p className="organiser-feedback" role="status" data-testid="edit-meeting-status">
          {saved ? t(saved) : ''}
        </p>
      </form>
    </section>
  );
}
