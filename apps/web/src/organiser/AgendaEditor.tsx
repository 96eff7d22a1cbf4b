import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgendaItemInput } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { failureMessageKey } from './failureMessages.ts';

type Row = AgendaItemInput & { key: number };

let nextKey = 1;
const emptyRow = (): Row => ({ key: nextKey++, title: '', presenter: null, plannedMinutes: 10, notes: '' });

/**
 * A committee's agenda, prepared before the session: items with a title, a
 * presenter, a planned duration and notes. During the session the chair opens
 * them in order (the server keeps the times).
 */
export function AgendaEditor(props: { meetingId: string; api: OrganiserApi }): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { api, meetingId } = props;
  const [rows, setRows] = useState<Row[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.getAgenda(meetingId).then(
      (items) => {
        if (!cancelled) {
          setRows(
            items.map((item) => ({
              key: nextKey++,
              title: item.title,
              presenter: item.presenter,
              plannedMinutes: item.plannedMinutes,
              notes: item.notes,
            })),
          );
        }
      },
      (failure: unknown) => {
        if (!cancelled) {
          setRows([]);
          setError(t(failureMessageKey(failure, 'organiser')));
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, meetingId, t]);

  if (rows === null) {
    return null;
  }
  const change = (key: number, patch: Partial<AgendaItemInput>): void => {
    setSaved(false);
    setRows(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  };
  const move = (index: number, by: -1 | 1): void => {
    const next = [...rows];
    const [row] = next.splice(index, 1);
    next.splice(index + by, 0, row!);
    setSaved(false);
    setRows(next);
  };
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const items = rows
        .filter((row) => row.title.trim() !== '')
        .map(({ key: _key, ...item }) => ({ ...item, presenter: item.presenter?.trim() || null }));
      await api.putAgenda(meetingId, items);
      setSaved(true);
    } catch (failure) {
      setError(t(failureMessageKey(failure, 'organiser')));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="organiser-card" aria-labelledby={headingId} data-testid="agenda-editor">
      <h2 id={headingId}>{t('organiser.agenda.title')}</h2>
      <p className="hint">{t('organiser.agenda.hint')}</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <ol className="agenda-rows">
          {rows.map((row, index) => (
            <li key={row.key} data-testid="agenda-row">
              <label>
                {t('organiser.agenda.itemTitle')}
                <input
                  type="text"
                  value={row.title}
                  maxLength={200}
                  data-testid="agenda-title-input"
                  onChange={(event) => change(row.key, { title: event.target.value })}
                />
              </label>
              <label>
                {t('organiser.agenda.presenter')}
                <input
                  type="text"
                  value={row.presenter ?? ''}
                  maxLength={64}
                  data-testid="agenda-presenter-input"
                  onChange={(event) => change(row.key, { presenter: event.target.value })}
                />
              </label>
              <label>
                {t('organiser.agenda.minutes')}
                <input
                  type="number"
                  min={0}
                  max={600}
                  value={row.plannedMinutes}
                  data-testid="agenda-minutes-input"
                  onChange={(event) =>
                    change(row.key, {
                      plannedMinutes: Math.max(0, Math.min(600, Number(event.target.value) || 0)),
                    })
                  }
                />
              </label>
              <label>
                {t('organiser.agenda.notes')}
                <textarea
                  value={row.notes}
                  maxLength={4000}
                  data-testid="agenda-notes-input"
                  onChange={(event) => change(row.key, { notes: event.target.value })}
                />
              </label>
              <span className="organiser-row-actions">
                <button
                  type="button"
                  className="button button-small"
                  disabled={index === 0}
                  onClick={() => move(index, -1)}
                >
                  {t('organiser.agenda.up')}
                </button>
                <button
                  type="button"
                  className="button button-small"
                  disabled={index === rows.length - 1}
                  onClick={() => move(index, 1)}
                >
                  {t('organiser.agenda.down')}
                </button>
                <button
                  type="button"
                  className="button button-small button-danger"
                  data-testid="agenda-remove"
                  onClick={() => setRows(rows.filter((r) => r.key !== row.key))}
                >
                  {t('organiser.agenda.remove')}
                </button>
              </span>
            </li>
          ))}
        </ol>
        <div className="actions">
          <button
            type="button"
            className="button"
            data-testid="agenda-add"
            disabled={rows.length >= 100}
            onClick={() => setRows([...rows, emptyRow()])}
          >
            {t('organiser.agenda.add')}
          </button>
          <button type="submit" className="button button-primary" disabled={busy} data-testid="agenda-save">
            {t('organiser.agenda.save')}
          </button>
        </div>
        {saved ? (
          <p className="notice notice-ok" role="status" data-testid="agenda-saved">
            {t('organiser.agenda.saved')}
          </p>
        ) : null}
        {error !== null ? (
          <p className="notice notice-error" role="alert" data-testid="agenda-error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
