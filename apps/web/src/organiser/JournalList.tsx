import { useEffect, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { JournalListResponse, JournalServiceFacts, JournalSummary } from '@confidentiel/protocol';
import { formatDateTime } from './dateTime.ts';
import { fetchJournalList } from './journalListApi.ts';

export type JournalListState =
  { status: 'loading' } | { status: 'failed' } | { status: 'ready'; list: JournalListResponse };

/**
 * What one journal's time-stamps amount to, in words: by whom and how many
 * entries they cover, or why there are none. Never "time-stamped" when no
 * token is in the file.
 */
function StampLine(props: { journal: JournalSummary; service: JournalServiceFacts }): ReactNode {
  const { t } = useTranslation();
  const { journal, service } = props;
  const stamps = journal.timeStamps;
  const authority = stamps.authorities.join(', ') || service.timeStamping?.authority || '';
  let text: string;
  if (stamps.tokens > 0) {
    text = t('organiser.journals.stamped', {
      authority,
      count: stamps.anchoredEntries,
      total: journal.entries,
    });
  } else if (stamps.failures > 0) {
    text = t('organiser.journals.notStampedFailed', { authority });
  } else if (service.timeStamping !== null && !journal.closed) {
    text = t('organiser.journals.notStampedYet');
  } else {
    text = t('organiser.journals.notStamped');
  }
  return (
    <span
      className={stamps.tokens > 0 ? 'journal-stamp journal-stamped' : 'journal-stamp'}
      data-testid="journal-stamp"
      data-tokens={stamps.tokens}
    >
      {text}
      {stamps.failures > 0 ? ` — ${t('organiser.journals.stampFailures', { count: stamps.failures })}` : ''}
    </span>
  );
}

/** The card as markup (no effects: rendered as is in tests). */
export function JournalListView(props: { meetingId: string; state: JournalListState }): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const { state, meetingId } = props;
  const base = `/api/organiser/meetings/${encodeURIComponent(meetingId)}/journals`;
  const service = state.status === 'ready' ? state.list.service : null;
  const journals = state.status === 'ready' ? state.list.journals : null;
  return (
    <section className="organiser-card" aria-labelledby={headingId} data-testid="journal-list">
      <h2 id={headingId}>{t('organiser.journals.title')}</h2>
      <p className="hint">{t('organiser.journals.hint')}</p>
      {state.status === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {t('organiser.journals.failed')}
        </p>
      ) : null}
      {service ? (
        <>
          <p data-testid="journal-signature">{t('organiser.journals.signature', { keyId: service.keyId })}</p>
          {service.timeStamping === null ? (
            <div className="notice notice-warning" data-testid="journal-timestamping" data-configured="false">
              <p>{t('organiser.journals.serviceNoTsa')}</p>
              <p>{t('organiser.journals.serviceNoTsaAction')}</p>
            </div>
          ) : (
            <p data-testid="journal-timestamping" data-configured="true">
              {t('organiser.journals.serviceTsa', {
                authority: service.timeStamping.authority,
                every: service.timeStamping.every,
              })}
            </p>
          )}
        </>
      ) : null}
      {journals !== null && journals.length === 0 ? <p>{t('organiser.journals.none')}</p> : null}
      {journals !== null && service !== null && journals.length > 0 ? (
        <ul className="journal-entries">
          {journals.map((journal) => {
            const otherKeys = journal.keyIds.filter((keyId) => keyId !== service.keyId);
            return (
              <li key={journal.sessionId} data-testid="journal-entry">
                <a
                  href={`${base}/${encodeURIComponent(journal.sessionId)}`}
                  download={journal.file}
                  data-testid="journal-download"
                >
                  {formatDateTime(journal.startedAt, i18n.language)}
                </a>{' '}
                — {t('organiser.journals.entries', { count: journal.entries })}
                {journal.closed ? '' : ` (${t('organiser.journals.open')})`}
                <br />
                <StampLine journal={journal} service={service} />
                {otherKeys.length > 0 ? (
                  <p className="hint" data-testid="journal-other-key">
                    {t('organiser.journals.otherKey', { keyIds: otherKeys.join(', ') })}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      <p>
        <a
          href="/api/journal/public-key"
          download="confidentiel-journal-public-key.pem"
          data-testid="journal-key"
        >
          {service
            ? t('organiser.journals.publicKeyWithId', { keyId: service.keyId })
            : t('organiser.journals.publicKey')}
        </a>
      </p>
      <p className="hint" data-testid="journal-verify">
        {t('organiser.journals.verify')}
      </p>
    </section>
  );
}

/**
 * The committee's signed session journals, to download and keep with the
 * service's public key, and what they prove: the signature (integrity of
 * the chain) always, the date only if a time-stamping authority (TSA_URL)
 * stamped them; a clerk verifies both offline with the verify-journal tool
 * (README: "Proving what happened in a session").
 */
export function JournalList(props: { meetingId: string }): ReactNode {
  const { meetingId } = props;
  const [state, setState] = useState<JournalListState>({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    fetchJournalList(meetingId).then(
      (list) => !cancelled && setState({ status: 'ready', list }),
      () => !cancelled && setState({ status: 'failed' }),
    );
    return () => {
      cancelled = true;
    };
  }, [meetingId]);

  return <JournalListView meetingId={meetingId} state={state} />;
}
