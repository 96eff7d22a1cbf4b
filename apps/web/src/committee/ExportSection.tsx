import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState } from '@confidentiel/protocol';
import { downloadText, proceedingsFileName } from './download.ts';
import { buildProceedings } from './proceedings.ts';
import { proceedingsToHtml } from './proceedingsHtml.ts';
import { proceedingsToMarkdown } from './proceedingsMarkdown.ts';
import { proceedingsFormat, type ProceedingsText } from './proceedingsText.ts';
import type { MinutesModel } from './useMinutes.ts';

type ExportFormat = 'html' | 'md';

/**
 * The procès-verbal, made in this browser from the session's state and the
 * minutes it could open; nothing is sent anywhere.
 */
export function ExportSection(props: {
  committee: CommitteeState;
  minutes: MinutesModel;
  names: ReadonlyMap<string, string>;
  meetingId: string;
  clock?: () => number;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const hintId = useId();
  const [done, setDone] = useState<ExportFormat | null>(null);
  const [failed, setFailed] = useState(false);

  const exportAs = (format: ExportFormat): void => {
    setDone(null);
    setFailed(false);
    try {
      const generatedAt = (props.clock ?? Date.now)();
      const doc = buildProceedings({
        meetingId: props.meetingId,
        state: props.committee,
        minutes: props.minutes.entries,
        names: props.names,
        generatedAt,
      });
      const text: ProceedingsText = t('committee.document', { returnObjects: true });
      const style = proceedingsFormat(i18n.language);
      if (format === 'html') {
        downloadText(
          proceedingsFileName(generatedAt, 'html'),
          'text/html',
          proceedingsToHtml(doc, text, style),
        );
      } else {
        downloadText(
          proceedingsFileName(generatedAt, 'md'),
          'text/markdown',
          proceedingsToMarkdown(doc, text, style),
        );
      }
      setDone(format);
    } catch {
      setFailed(true);
    }
  };

  const readable = props.minutes.status === 'ready';
  return (
    <section className="committee-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('committee.export.title')}</h3>
      <p className="hint" id={hintId}>
        {t(readable ? 'committee.export.hint' : 'committee.export.hintSealed')}
      </p>
      <div className="committee-export-actions">
        <button
          type="button"
          className="button"
          data-testid="export-minutes-html"
          aria-describedby={hintId}
          onClick={() => exportAs('html')}
        >
          {t('committee.export.html')}
        </button>
        <button
          type="button"
          className="button"
          data-testid="export-minutes-md"
          aria-describedby={hintId}
          onClick={() => exportAs('md')}
        >
          {t('committee.export.markdown')}
        </button>
      </div>
      {done !== null ? (
        <p className="hint" role="status">
          {t(done === 'html' ? 'committee.export.doneHtml' : 'committee.export.doneMarkdown')}
        </p>
      ) : null}
      {failed ? (
        <p className="notice notice-error" role="alert">
          {t('committee.export.failed')}
        </p>
      ) : null}
    </section>
  );
}
