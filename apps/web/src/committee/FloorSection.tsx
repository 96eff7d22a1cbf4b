import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import { ActionError } from './ActionError.tsx';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { formatClock, isoDuration, speakerElapsedMs } from './elapsed.ts';
import type { FloorMicrophone } from './useFloorMicrophone.ts';
import { useCommitteeAction } from './useCommitteeAction.ts';

/** Who has the floor, who asked for it; members raise a hand, the chair gives and withdraws the floor. */
export function FloorSection(props: {
  client: CommitteeRequester;
  committee: CommitteeState;
  self: MemberInfo;
  names: ReadonlyMap<string, string>;
  chair: boolean;
  voter: boolean;
  microphone: FloorMicrophone;
  now: number;
}): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const queueId = useId();
  const { client, committee, self, names } = props;
  const action = useCommitteeAction();
  const { speaker, queue } = committee.floor;
  const nameOf = (memberId: string): string => {
    const name = names.get(memberId) ?? t('committee.floor.unknown');
    return memberId === self.memberId ? t('committee.floor.you', { name }) : name;
  };
  const speaking = speaker === self.memberId;
  const inQueue = queue.includes(self.memberId);
  const elapsed = speakerElapsedMs(committee, props.now);
  return (
    <section className="committee-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('committee.floor.title')}</h3>
      {speaker !== null ? (
        <p className={`committee-speaker${speaking ? ' committee-speaker-self' : ''}`}>
          {t('committee.floor.speaker')}{' '}
          <strong data-testid="floor-speaker" data-member-id={speaker}>
            {nameOf(speaker)}
          </strong>{' '}
          <time dateTime={isoDuration(elapsed)} className="committee-speaker-time">
            {formatClock(elapsed)}
          </time>
        </p>
      ) : (
        <p className="hint">{t('committee.floor.nobody')}</p>
      )}
      {speaking ? <p className="committee-you-speak">{t('committee.floor.youSpeak')}</p> : null}
      {props.chair && speaker !== null ? (
        <button
          type="button"
          className="button"
          data-testid="withdraw-floor"
          aria-label={t('committee.floor.withdrawFrom', { name: nameOf(speaker) })}
          onClick={() => action.run(() => client.committeeRequest('withdrawFloor', {}))}
        >
          {t('committee.floor.withdraw')}
        </button>
      ) : null}
      <h4 id={queueId}>
        {t('committee.floor.queue')}{' '}
        {queue.length > 0 ? <span className="badge badge-waiting">{queue.length}</span> : null}
      </h4>
      {queue.length === 0 ? (
        <p className="hint">{t('committee.floor.emptyQueue')}</p>
      ) : (
        <ol className="committee-queue" aria-labelledby={queueId}>
          {queue.map((memberId) => (
            <li key={memberId} data-testid="floor-queue-entry" data-member-id={memberId}>
              <span className="participant-name">{nameOf(memberId)}</span>
              {props.chair ? (
                <button
                  type="button"
                  className="button button-primary"
                  data-testid="give-floor"
                  aria-label={t('committee.floor.giveTo', { name: nameOf(memberId) })}
                  onClick={() => action.run(() => client.committeeRequest('giveFloor', { memberId }))}
                >
                  {t('committee.floor.give')}
                </button>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {props.voter && !speaking ? (
        inQueue ? (
          <button
            type="button"
            className="button"
            data-testid="lower-hand"
            onClick={() => action.run(() => client.committeeRequest('lowerHand', {}))}
          >
            {t('committee.floor.lowerHand')}
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            data-testid="raise-hand"
            onClick={() => action.run(() => client.committeeRequest('raiseHand', {}))}
          >
            {t('committee.floor.raiseHand')}
          </button>
        )
      ) : null}
      {inQueue ? (
        <p className="hint">
          {t('committee.floor.position', { position: queue.indexOf(self.memberId) + 1 })}
        </p>
      ) : null}
      {props.microphone.error !== null ? (
        <p className="notice notice-error" role="alert" data-testid="floor-microphone-error">
          {t('committee.floor.microphoneFailed')}
        </p>
      ) : null}
      <ActionError error={action.error} />
    </section>
  );
}
