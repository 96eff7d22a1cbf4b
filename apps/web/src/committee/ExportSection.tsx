import { useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState } from '@confidentiel/protocol';
import { downloadBytes, downloadText, proceedingsFileName } from './download.ts';
import { buildProceedings, type MeetingFacts, type Proceedings } from './proceedings.ts';
import { proceedingsToHtml } from './proceedingsHtml.ts';
import { proceedingsToMarkdown } from './proceedingsMarkdown.ts';
import { proceedingsFormat, type ProceedingsFormat, type ProceedingsText } from './proceedingsText.ts';
import type { MinutesModel } from './useMinutes.ts';

/** 64 hex digits break anywhere: the page holds at 390 px. */
const HASH_STYLE = { overflowWrap: 'anywhere', wordBreak: 'break-all' } as const;

type Status =
  | { kind: 'idle' }
  | { kind: 'making' }
  | { kind: 'done'; format: 'html' | 'md' }
  /** The PDF's own hash, and the Markdown text whose hash the PDF prints (to download with it). */
  | { kind: 'donePdf'; pdfSha256: string; textSha256: string; markdown: string; generatedAt: number }
  | { kind: 'failed'; pdf: boolean };

/**
 * The procès-verbal, made in this browser from the session's state and the
 * minutes it could open; nothing is sent anywhere. The PDF's code and fonts
 * are loaded only when asked for (a dynamic import).
 */
export function ExportSection(props: {
  committee: CommitteeState;
  minutes: MinutesModel;
  names: ReadonlyMap<string, string>;
  meetingId: string;
  /** The meeting's title and scheduled start, from the room info (`state.room`). */
  meeting?: MeetingFacts;
  clock?: () => number;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const hintId = useId();
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  // The latest request wins: a PDF still being made when another export is asked for is dropped.
  const request = useRef(0);

  const prepare = (): { doc: Proceedings; text: ProceedingsText; style: ProceedingsFormat } => {
    const doc = buildProceedings({
      meetingId: props.meetingId,
      ...(props.meeting ? { meeting: props.meeting } : {}),
      state: props.committee,
      minutes: props.minutes.entries,
      names: props.names,
      generatedAt: (props.clock ?? Date.now)(),
    });
    const text: ProceedingsText = t('committee.document', { returnObjects: true });
    return { doc, text, style: proceedingsFormat(i18n.language) };
  };

  const exportAs = (format: 'html' | 'md'): void => {
    request.current += 1;
    try {
      const { doc, text, style } = prepare();
      if (format === 'html') {
        downloadText(
          proceedingsFileName(doc.generatedAt, 'html'),
          'text/html',
          proceedingsToHtml(doc, text, style),
        );
      } else {
        downloadText(
          proceedingsFileName(doc.generatedAt, 'md'),
          'text/markdown',
          proceedingsToMarkdown(doc, text, style),
        );
      }
      setStatus({ kind: 'done', format });
    } catch {
      setStatus({ kind: 'failed', pdf: false });
    }
  };

  const exportPdf = async (): Promise<void> => {
    const mine = ++request.current;
    setStatus({ kind: 'making' });
    try {
      const { doc, text, style } = prepare();
      const { makeProceedingsPdf } = await import('./pdf/exportPdf.ts');
      const made = await makeProceedingsPdf(doc, text, style);
      if (mine !== request.current) {
        return;
      }
      downloadBytes(proceedingsFileName(doc.generatedAt, 'pdf'), 'application/pdf', made.bytes);
      setStatus({
        kind: 'donePdf',
        pdfSha256: made.pdfSha256,
        textSha256: made.markdownSha256,
        markdown: made.markdown,
        generatedAt: doc.generatedAt,
      });
    } catch {
      if (mine === request.current) {
        setStatus({ kind: 'failed', pdf: true });
      }
    }
  };

  const readable = props.minutes.status === 'ready';
  const making = status.kind === 'making';
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
          data-testid="export-minutes-pdf"
          aria-describedby={hintId}
          aria-busy={making}
          disabled={making}
          onClick={() => void exportPdf()}
        >
          {t('committee.export.pdf')}
        </button>
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
      <div role="status">
        {making ? <p className="hint">{t('committee.export.making')}</p> : null}
        {status.kind === 'done' ? (
          <p className="hint">
            {t(status.format === 'html' ? 'committee.export.doneHtml' : 'committee.export.doneMarkdown')}
          </p>
        ) : null}
        {status.kind === 'donePdf' ? (
          <div className="hint" data-testid="export-pdf-done">
            <p>{t('committee.export.donePdf')}</p>
            <p>
              {t('committee.export.pdfHash')}{' '}
              <code style={HASH_STYLE} data-testid="export-pdf-sha256">
                {status.pdfSha256}
              </code>
            </p>
            <p>
              {t('committee.export.textHash')}{' '}
              <code style={HASH_STYLE} data-testid="export-pdf-text-sha256">
                {status.textSha256}
              </code>
            </p>
            <button
              type="button"
              className="button"
              data-testid="export-minutes-pdf-text"
              onClick={() =>
                downloadText(proceedingsFileName(status.generatedAt, 'md'), 'text/markdown', status.markdown)
              }
            >
              {t('committee.export.pdfText')}
            </button>
          </div>
        ) : null}
      </div>
      {status.kind === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {t(status.pdf ? 'committee.export.failedPdf' : 'committee.export.failed')}
        </p>
      ) : null}
    </section>
  );
}
