import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgendaItem, CommitteeState } from '@confidentiel/protocol';
import { moveItem } from './agendaOrder.ts';
import { ActionError } from './ActionError.tsx';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { formatClock, isoDuration, itemElapsedMs } from './elapsed.ts';
import { useCommitteeAction } from './useCommitteeAction.ts';

function ChairButtons(props: {
  item: AgendaItem;
  order: readonly string[];
  client: CommitteeRequester;
  run: (action: () => Promise<unknown>) => void;
}): ReactNode {
  const { t } = useTranslation();
  const { item, client, run } = props;
  const up = moveItem(props.order, item.itemId, -1);
  const down = moveItem(props.order, item.itemId, 1);
  const title = item.title;
  const reorder = (itemIds: string[] | null): void => {
    if (itemIds !== null) {
      run(() => client.committeeRequest('agendaReorder', { itemIds }));
    }
  };
  return (
    <span className="committee-item-actions">
      {item.status === 'open' ? (
        <button
          type="button"
          className="button"
          data-testid="agenda-close"
          aria-label={t('committee.agenda.closeItem', { title })}
          onClick={() => run(() => client.committeeRequest('agendaClose', { itemId: item.itemId }))}
        >
          {t('committee.agenda.close')}
        </button>
      ) : (
        <button
          type="button"
          className="button"
          data-testid="agenda-open"
          aria-label={t(
            item.status === 'closed' ? 'committee.agenda.returnToItem' : 'committee.agenda.openItem',
            {
              title,
            },
          )}
          onClick={() => run(() => client.committeeRequest('agendaOpen', { itemId: item.itemId }))}
        >
          {t(item.status === 'closed' ? 'committee.agenda.returnTo' : 'committee.agenda.open')}
        </button>
      )}
      {/* aria-disabled, not disabled: the focus stays on the button when the item reaches an end. */}
      <button
        type="button"
        className="button button-ghost committee-move"
        data-testid="agenda-up"
        aria-label={t('committee.agenda.moveUp', { title })}
        aria-disabled={up === null}
        onClick={() => reorder(up)}
      >
        <span aria-hidden="true">↑</span>
      </button>
      <button
        type="button"
        className="button button-ghost committee-move"
        data-testid="agenda-down"
        aria-label={t('committee.agenda.moveDown', { title })}
        aria-disabled={down === null}
        onClick={() => reorder(down)}
      >
        <span aria-hidden="true">↓</span>
      </button>
    </span>
  );
}

/**
 * The agenda: every item's status and time spent; the chair runs it. The current item with its
 * running time is in the cockpit's summary (cockpit/CockpitSummary.tsx), always in view.
 */
export function AgendaSection(props: {
  client: CommitteeRequester;
  committee: CommitteeState;
  chair: boolean;
  now: number;
}): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { committee, now } = props;
  const action = useCommitteeAction();
  const order = committee.agenda.map((item) => item.itemId);
  return (
    <section className="committee-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('committee.agenda.title')}</h3>
      {committee.agenda.length === 0 ? (
        <p className="hint">{t('committee.agenda.empty')}</p>
      ) : (
        <ol className="committee-agenda">
          {committee.agenda.map((item, index) => {
            const isCurrent = item.itemId === committee.currentItemId;
            const elapsed = itemElapsedMs(item, committee, now);
            return (
              <li
                key={item.itemId}
                className={`committee-agenda-item committee-status-${item.status}`}
                data-testid="agenda-item"
                data-item-id={item.itemId}
                data-status={item.status}
                aria-current={isCurrent ? 'step' : undefined}
              >
                <span className="committee-item-title">
                  {index + 1}. {item.title}
                </span>
                <span className={`badge committee-badge-${item.status}`}>
                  {t(`committee.agenda.status.${item.status}`)}
                </span>
                <span className="committee-item-meta">
                  {item.presenter ? (
                    <span>{t('committee.agenda.presenter', { name: item.presenter })}</span>
                  ) : null}
                  {item.plannedMinutes > 0 ? (
                    <span>{t('committee.agenda.planned', { minutes: item.plannedMinutes })}</span>
                  ) : null}
                  {elapsed > 0 && !isCurrent ? (
                    <span>
                      {t('committee.agenda.spent')}{' '}
                      <time dateTime={isoDuration(elapsed)}>{formatClock(elapsed)}</time>
                    </span>
                  ) : null}
                </span>
                {props.chair ? (
                  <ChairButtons item={item} order={order} client={props.client} run={action.run} />
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      <ActionError error={action.error} />
    </section>
  );
}
