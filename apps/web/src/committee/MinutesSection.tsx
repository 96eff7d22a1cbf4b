import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState } from '@confidentiel/protocol';
import { ActionError } from './ActionError.tsx';
import { useCommitteeAction } from './useCommitteeAction.ts';
import { MAX_MINUTES_BYTES, minutesByteLength, type MinutesModel } from './useMinutes.ts';

/** The secretary's text not yet saved, and the revision it was written over. */
interface Draft {
  text: string;
  base: number;
}

type SaveNotice = { kind: 'saved'; revision: number } | { kind: 'conflict' } | { kind: 'tooLong' } | null;

/**
 * Each item's minutes: everyone reads them (opened in this browser), the
 * secretary (host or co-host) writes them. The text is sealed before it
 * leaves the browser.
 */
export function MinutesSection(props: {
  committee: CommitteeState;
  minutes: MinutesModel;
  secretary: boolean;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { heading: useId(), item: useId(), editor: useId(), hint: useId() };
  const { committee, minutes } = props;
  const action = useCommitteeAction();
  const [chosen, setChosen] = useState<string | null>(null);
  const [drafts, setDrafts] = useState<Readonly<Record<string, Draft>>>({});
  const [notice, setNotice] = useState<SaveNotice>(null);

  const agenda = committee.agenda;
  // The current item unless the reader picked another one that is still on the agenda.
  const itemId =
    (chosen !== null && agenda.some((item) => item.itemId === chosen) ? chosen : null) ??
    committee.currentItemId ??
    agenda[0]?.itemId ??
    null;
  if (itemId === null) {
    return null;
  }
  const saved = minutes.entries.get(itemId);
  const savedRevision = saved?.revision ?? 0;
  const draft = drafts[itemId];
  const editorText = draft?.text ?? saved?.text ?? '';
  const usable = minutes.status === 'ready';
  const indexed = committee.minutes[itemId];

  const edit = (text: string): void => {
    setNotice(null);
    setDrafts((previous) => ({
      ...previous,
      [itemId]: { text, base: previous[itemId]?.base ?? savedRevision },
    }));
  };

  const save = (): void => {
    if (minutesByteLength(editorText) > MAX_MINUTES_BYTES) {
      setNotice({ kind: 'tooLong' });
      return;
    }
    setNotice(null);
    const base = draft?.base ?? savedRevision;
    const text = editorText;
    action.run(async () => {
      const result = await minutes.save(itemId, base, text);
      if (result.outcome === 'saved') {
        setDrafts((previous) => {
          const { [itemId]: _done, ...rest } = previous;
          return rest;
        });
        setNotice({ kind: 'saved', revision: result.revision });
      } else {
        // Keep the secretary's text, now written over the latest revision: saving again replaces it.
        setDrafts((previous) => ({ ...previous, [itemId]: { text, base: result.latest } }));
        setNotice({ kind: 'conflict' });
      }
    });
  };

  let reading: ReactNode;
  if (
    minutes.status === 'waiting-key' ||
    minutes.status === 'not-entitled' ||
    minutes.status === 'key-failed'
  ) {
    reading = (
      <p className="notice notice-warning" data-testid="minutes-no-key" data-status={minutes.status}>
        {t(
          minutes.status === 'waiting-key'
            ? 'committee.minutes.waitingKey'
            : minutes.status === 'not-entitled'
              ? 'committee.minutes.notEntitled'
              : 'committee.minutes.keyFailed',
        )}
      </p>
    );
  } else if (minutes.status === 'loading') {
    reading = <p className="hint">{t('committee.minutes.loading')}</p>;
  } else if (minutes.status === 'failed') {
    reading = (
      <p className="notice notice-error" role="alert">
        {t('committee.minutes.loadFailed')}{' '}
        <button type="button" className="button" onClick={() => action.run(() => minutes.reload())}>
          {t('committee.minutes.retry')}
        </button>
      </p>
    );
  } else if (saved !== undefined && saved.text === null) {
    reading = <p className="notice notice-warning">{t('committee.minutes.unreadable')}</p>;
  } else if (saved !== undefined && saved.text !== null && saved.text !== '') {
    reading = (
      <div className="committee-minutes-text" data-testid="minutes-text" data-revision={saved.revision}>
        {saved.text}
      </div>
    );
  } else {
    reading = <p className="hint">{t(indexed ? 'committee.minutes.loading' : 'committee.minutes.none')}</p>;
  }

  return (
    <section className="committee-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>{t('committee.minutes.title')}</h3>
      {agenda.length > 1 ? (
        <div className="field field-inline">
          <label htmlFor={ids.item}>{t('committee.minutes.item')}</label>
          <select
            id={ids.item}
            data-testid="minutes-item"
            value={itemId}
            onChange={(event) => {
              setNotice(null);
              setChosen(event.target.value);
            }}
          >
            {agenda.map((item, index) => (
              <option key={item.itemId} value={item.itemId}>
                {index + 1}. {item.title}
                {item.itemId === committee.currentItemId ? ` (${t('committee.minutes.currentMark')})` : ''}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {/* The secretary reads the saved text in the editor itself: shown once, the tab fits the cockpit. */}
      {props.secretary && usable && saved?.text !== null ? null : reading}
      {props.secretary ? (
        <div className="committee-minutes-editor">
          <div className="field">
            <label htmlFor={ids.editor}>{t('committee.minutes.editor')}</label>
            <textarea
              id={ids.editor}
              data-testid="minutes-editor"
              rows={4}
              value={editorText}
              disabled={!usable}
              aria-describedby={ids.hint}
              onChange={(event) => edit(event.target.value)}
            />
            <p className="hint" id={ids.hint}>
              {t('committee.minutes.sealedHint')}
            </p>
          </div>
          <button
            type="button"
            className="button button-primary"
            data-testid="minutes-save"
            disabled={!usable}
            onClick={save}
          >
            {t('committee.minutes.save')}
          </button>
          {draft !== undefined ? <span className="hint"> {t('committee.minutes.unsaved')}</span> : null}
        </div>
      ) : null}
      {notice?.kind === 'saved' ? (
        <p className="notice" role="status" data-testid="minutes-saved">
          {t('committee.minutes.saved', { revision: notice.revision })}
        </p>
      ) : null}
      {notice?.kind === 'conflict' ? (
        <p className="notice notice-warning" role="alert" data-testid="minutes-conflict">
          {t('committee.minutes.conflict')}
        </p>
      ) : null}
      {notice?.kind === 'tooLong' ? (
        <p className="notice notice-error" role="alert">
          {t('committee.minutes.tooLong')}
        </p>
      ) : null}
      <ActionError error={action.error} />
    </section>
  );
}
