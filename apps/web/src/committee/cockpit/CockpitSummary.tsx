import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import type { CommitteeRequester } from '../CommitteeRequester.ts';
import { currentItem, formatClock, isoDuration, itemElapsedMs, speakerElapsedMs } from '../elapsed.ts';
import { RecordingBanner } from '../RecordingBanner.tsx';
import type { CommitteeAction } from '../useCommitteeAction.ts';
import { useOptionLabel } from '../useOptionLabel.ts';
import { nextItemStep } from './nextItem.ts';
import { ariaKeysFor } from './shortcuts.ts';

/**
 * What everyone must see whichever tab is open: the recording, the item under
 * examination with its time, who has the floor, the vote running. The chair
 * moves to the next item from here; a voter goes to the ballot from here.
 */
export function CockpitSummary(props: {
  client: CommitteeRequester;
  committee: CommitteeState;
  self: MemberInfo;
  names: ReadonlyMap<string, string>;
  chair: boolean;
  voter: boolean;
  now: number;
  action: CommitteeAction;
  onShowVote: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { item: useId(), speaker: useId(), vote: useId() };
  const { committee, self, now, client } = props;
  const current = currentItem(committee);
  const index = current === null ? -1 : committee.agenda.findIndex((item) => item.itemId === current.itemId);
  const elapsed = current === null ? 0 : itemElapsedMs(current, committee, now);
  const overrun = current !== null && current.plannedMinutes > 0 && elapsed > current.plannedMinutes * 60_000;
  const step = props.chair ? nextItemStep(committee) : null;
  const { speaker, queue } = committee.floor;
  const nameOf = (memberId: string): string => {
    const name = props.names.get(memberId) ?? t('committee.floor.unknown');
    return memberId === self.memberId ? t('committee.floor.you', { name }) : name;
  };
  const optionLabel = useOptionLabel();
  const vote = committee.vote;
  const latest = committee.results.at(-1);
  const voted = vote !== null && vote.voted.includes(self.memberId);

  return (
    <div className="cockpit-summary" data-testid="cockpit-summary">
      {committee.recording.on ? <RecordingBanner since={committee.recording.since} /> : null}
      <dl className="cockpit-facts">
        <div className="cockpit-fact">
          <dt id={ids.item}>{t('committee.cockpit.item')}</dt>
          <dd>
            {current !== null ? (
              <span className="cockpit-fact-value" data-testid="current-item" data-item-id={current.itemId}>
                <span className="cockpit-fact-main">
                  {index + 1}/{committee.agenda.length}. {current.title}
                </span>{' '}
                <span className={`cockpit-clock${overrun ? ' committee-overrun' : ''}`}>
                  <time dateTime={isoDuration(elapsed)} data-testid="current-item-elapsed">
                    {formatClock(elapsed)}
                  </time>
                  {current.plannedMinutes > 0 ? (
                    <span> {t('committee.cockpit.plannedOf', { minutes: current.plannedMinutes })}</span>
                  ) : null}
                  {overrun ? <span className="visually-hidden"> {t('committee.agenda.overrun')}</span> : null}
                </span>
              </span>
            ) : (
              <span className="cockpit-fact-value hint" data-testid="no-current-item">
                {t('committee.agenda.noCurrent')}
              </span>
            )}
            {step !== null ? (
              <button
                type="button"
                className="button button-small"
                data-testid="cockpit-next-item"
                data-step={step.kind}
                aria-keyshortcuts={ariaKeysFor('nextItem')}
                onClick={() =>
                  props.action.run(() =>
                    client.committeeRequest(step.kind === 'open' ? 'agendaOpen' : 'agendaClose', {
                      itemId: step.itemId,
                    }),
                  )
                }
              >
                {t(
                  step.kind === 'close'
                    ? 'committee.cockpit.closeLast'
                    : current === null
                      ? 'committee.cockpit.openFirst'
                      : 'committee.cockpit.nextItem',
                )}
              </button>
            ) : null}
          </dd>
        </div>
        <div className="cockpit-fact">
          <dt id={ids.speaker}>{t('committee.cockpit.speaker')}</dt>
          <dd>
            {speaker !== null ? (
              <span className="cockpit-fact-value" data-testid="cockpit-speaker" data-member-id={speaker}>
                <span className="cockpit-fact-main">{nameOf(speaker)}</span>{' '}
                <time className="cockpit-clock" dateTime={isoDuration(speakerElapsedMs(committee, now))}>
                  {formatClock(speakerElapsedMs(committee, now))}
                </time>
              </span>
            ) : (
              <span className="cockpit-fact-value hint">
                {t(committee.freeDiscussion ? 'committee.cockpit.freeDiscussion' : 'committee.floor.nobody')}
              </span>
            )}
            {queue.length > 0 ? (
              <span className="badge badge-waiting" data-testid="cockpit-queue-count">
                {t('committee.cockpit.hands', { count: queue.length })}
              </span>
            ) : null}
          </dd>
        </div>
        <div className="cockpit-fact">
          <dt id={ids.vote}>{t('committee.cockpit.vote')}</dt>
          <dd>
            {vote !== null ? (
              <span className="cockpit-fact-value" data-testid="cockpit-vote" data-vote-id={vote.voteId}>
                <span className="cockpit-fact-main cockpit-motion">{vote.motion}</span>{' '}
                <span className="cockpit-clock">
                  {t('committee.vote.votedOf', { voted: vote.voted.length, eligible: vote.eligible })}
                </span>
              </span>
            ) : latest !== undefined ? (
              <span
                className="cockpit-fact-value"
                data-testid="cockpit-last-result"
                data-outcome={latest.outcome}
              >
                {t('committee.cockpit.lastVote')} <span className="cockpit-fact-main">{latest.motion}</span>{' '}
                <span className={`badge committee-outcome-${latest.outcome}`}>
                  {t(`committee.vote.outcome.${latest.outcome}`)}
                </span>{' '}
                <span className="cockpit-tally">
                  {latest.options
                    .map((option) =>
                      t('committee.vote.tallyLine', {
                        option: optionLabel(option),
                        count: latest.tally[option] ?? 0,
                      }),
                    )
                    .join(' · ')}
                </span>
              </span>
            ) : (
              <span className="cockpit-fact-value hint">{t('committee.vote.none')}</span>
            )}
            {vote !== null ? (
              <button
                type="button"
                className={`button button-small${props.voter && !voted ? ' button-primary' : ''}`}
                data-testid="cockpit-show-vote"
                onClick={props.onShowVote}
              >
                {t(props.voter && !voted ? 'committee.cockpit.goVote' : 'committee.cockpit.showVote')}
              </button>
            ) : null}
          </dd>
        </div>
      </dl>
    </div>
  );
}
