import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { JournalSummary } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { formatDateTime } from './dateTime.ts';

/**
 * The committee's signed session journals, to download and keep with the
 * service's public key: a clerk verifies them offline, months later, with
 * the verify-journal tool (README: "Proving what happened in a session").
 */
export function JournalList(props: { meetingId: string; api: OrganiserApi }): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const [journals, setJournals] = useState<JournalSummary[] | null>(null);
  const [failed, setFailed] = useState(false);
  const { api, meetingId } = props;

  useEffect(() => {
    let cancelled = false;
    api.listJournals(meetingId).then(
      (list) => !cancelled && setJournals(list),
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [api, meetingId]);

  const base = `/api/organiser/meetings/${encodeURIComponent(meetingId)}/journals`;
  return (
    <section className="organiser-card" aria-labelledby={headingId} data-testid="journal-list">
      <h2 id={headingId}>{t('organiser.journals.title')}</h2>
      <p className="hint">{t('organiser.journals.hint')}</p>
      {failed ? (
        <p className="notice notice-error" role="alert">
          {t('organiser.journals.failed')}
        </p>
      ) : null}
      {journals !== null && journals.length === 0 ? <p>{t('organiser.journals.none')}</p> : null}
      {journals !== null && journals.length > 0 ? (
        <ul>
          {journals.map((journal) => (
            <li key={journal.sessionId}>
              <a
                href={`${base}/${encodeURIComponent(journal.sessionId)}`}
                download={journal.file}
                data-testid="journal-download"
              >
                {formatDateTime(journal.startedAt, i18n.language)}
              </a>{' '}
              — {t('organiser.journals.entries', { count: journal.entries })}
              {journal.closed ? '' : ` (${t('organiser.journals.open')})`}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <a
          href="/api/journal/public-key"
          download="confidentiel-journal-public-key.pem"
          data-testid="journal-key"
        >
          {t('organiser.journals.publicKey')}
        </a>
      </p>
    </section>
  );
}
