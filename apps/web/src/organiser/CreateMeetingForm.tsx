import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { meetingKindSchema, type MeetingKind } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { organiserMeetingPath } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { defaultStart, fromDateTimeInputValue, toDateTimeInputValue } from './dateTime.ts';
import { setFlash } from './flash.ts';
import { makeLinkSecret, saveLinkSecret } from './linkSecretStore.ts';
import { ensureCommitteeSecret } from './committeeSecretStore.ts';
import { organiserFailure } from './sessionFailure.ts';

export const TITLE_MAX_LENGTH = 120;

type FieldError = 'title' | 'title-long' | 'startsAt' | null;

/** The time zone the date is typed in, named for the organiser. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Creates a meeting, makes its link secret in this browser (never sent to
 * the server) and opens the meeting's page to make the invites.
 */
export function CreateMeetingForm(props: { api: OrganiserApi }): ReactNode {
  const { t } = useTranslation();
  const ids = {
    heading: useId(),
    title: useId(),
    titleHint: useId(),
    titleError: useId(),
    startsAt: useId(),
    startsAtHint: useId(),
    startsAtError: useId(),
    kind: useId(),
    early: useId(),
    earlyHint: useId(),
  };
  const titleInput = useRef<HTMLInputElement>(null);
  const startsAtInput = useRef<HTMLInputElement>(null);
  const [title, setTitle] = useState('');
  const [startsAt, setStartsAt] = useState(() => toDateTimeInputValue(defaultStart(Date.now())));
  const [kind, setKind] = useState<MeetingKind>('consultation');
  const [allowEarlyEntry, setAllowEarlyEntry] = useState(false);
  const [fieldError, setFieldError] = useState<FieldError>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const trimmed = title.trim();
    const start = fromDateTimeInputValue(startsAt);
    if (trimmed === '' || trimmed.length > TITLE_MAX_LENGTH) {
      setFieldError(trimmed === '' ? 'title' : 'title-long');
      titleInput.current?.focus();
      return;
    }
    if (start === null) {
      setFieldError('startsAt');
      startsAtInput.current?.focus();
      return;
    }
    setFieldError(null);
    setBusy(true);
    // Made before asking the server, kept only once the meeting exists.
    const secret = makeLinkSecret();
    try {
      const meeting = await props.api.createMeeting({
        title: trimmed,
        kind,
        startsAt: start,
        allowEarlyEntry,
      });
      const stored = saveLinkSecret(meeting.meetingId, secret);
      if (kind === 'committee') {
        // The key of the committee's minutes and recordings is born here, and handed only at admission.
        ensureCommitteeSecret(meeting.meetingId);
      }
      const path = organiserMeetingPath(meeting.meetingId);
      setFlash(path, stored ? 'organiser.meeting.created' : 'organiser.dashboard.secretNotStored');
      navigate(path);
    } catch (failure) {
      setError(organiserFailure(failure));
      setBusy(false);
    }
  };

  const titleProblem = fieldError === 'title' || fieldError === 'title-long';

  return (
    <section className="organiser-card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>{t('organiser.dashboard.createTitle')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="create-meeting-form">
        {error ? (
          <p className="notice notice-error" role="alert" data-testid="create-meeting-error">
            {t(error)}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor={ids.title}>{t('organiser.dashboard.meetingTitle')}</label>
          <input
            ref={titleInput}
            id={ids.title}
            type="text"
            name="title"
            autoComplete="off"
            required
            maxLength={TITLE_MAX_LENGTH}
            value={title}
            data-testid="meeting-title-input"
            aria-invalid={titleProblem ? true : undefined}
            aria-describedby={titleProblem ? `${ids.titleError} ${ids.titleHint}` : ids.titleHint}
            onChange={(event) => setTitle(event.target.value)}
          />
          <p className="hint" id={ids.titleHint}>
            {t('organiser.dashboard.meetingTitleHint')}
          </p>
          {titleProblem ? (
            <p className="field-error" id={ids.titleError}>
              {fieldError === 'title'
                ? t('organiser.dashboard.titleRequired')
                : t('organiser.dashboard.titleTooLong')}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ids.startsAt}>{t('organiser.dashboard.startsAt')}</label>
          <input
            ref={startsAtInput}
            id={ids.startsAt}
            type="datetime-local"
            name="startsAt"
            required
            value={startsAt}
            data-testid="meeting-starts-at-input"
            aria-invalid={fieldError === 'startsAt' ? true : undefined}
            aria-describedby={
              fieldError === 'startsAt' ? `${ids.startsAtError} ${ids.startsAtHint}` : ids.startsAtHint
            }
            onChange={(event) => setStartsAt(event.target.value)}
          />
          <p className="hint" id={ids.startsAtHint}>
            {t('organiser.dashboard.startsAtHint', { zone: localTimeZone() })}
          </p>
          {fieldError === 'startsAt' ? (
            <p className="field-error" id={ids.startsAtError}>
              {t('organiser.dashboard.startsAtRequired')}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ids.kind}>{t('organiser.dashboard.kind')}</label>
          <select
            id={ids.kind}
            name="kind"
            value={kind}
            data-testid="meeting-kind-select"
            onChange={(event) => {
              const parsed = meetingKindSchema.safeParse(event.target.value);
              if (parsed.success) {
                setKind(parsed.data);
              }
            }}
          >
            {meetingKindSchema.options.map((option) => (
              <option key={option} value={option}>
                {t(`organiser.kind.${option}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="check" htmlFor={ids.early}>
            <input
              id={ids.early}
              type="checkbox"
              name="allowEarlyEntry"
              checked={allowEarlyEntry}
              data-testid="meeting-early-entry"
              aria-describedby={ids.earlyHint}
              onChange={(event) => setAllowEarlyEntry(event.target.checked)}
            />
            {t('organiser.dashboard.earlyEntry')}
          </label>
          <p className="hint" id={ids.earlyHint}>
            {t('organiser.dashboard.earlyEntryHint')}
          </p>
        </div>
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="create-meeting-submit"
        >
          {busy ? t('organiser.dashboard.creating') : t('organiser.dashboard.create')}
        </button>
      </form>
    </section>
  );
}
