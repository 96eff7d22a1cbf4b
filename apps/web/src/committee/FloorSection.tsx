import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import { ActionError } from './ActionError.tsx';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { formatClock, isoDuration, speakerElapsedMs } from './elapsed.ts';
import { giveFloorToNextHand, microphoneNeedsFloor, nextHand } from './floorRules.ts';
import type { FloorMicrophone } from './useFloorMicrophone.ts';
import { useCommitteeAction } from './useCommitteeAction.ts';

/**
 * Who has the floor, who asked for it; members raise a hand (their microphone opens once given the
 * floor: the server holds it closed until then), the chair gives and withdraws the floor, opens free
 * discussion, mutes everyone.
 */
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
  const [mutedAll, setMutedAll] = useState<number | null>(null);
  const { speaker, queue } = committee.floor;
  const next = nextHand(committee);
  const needsFloor = microphoneNeedsFloor(committee, self);
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
      {committee.freeDiscussion ? (
        <p className="committee-free-discussion" data-testid="floor-free-discussion-open">
          {t('committee.floor.freeDiscussionOpen')}
        </p>
      ) : null}
      {needsFloor ? (
        <p className="hint" data-testid="floor-muted-hint">
          {t('committee.floor.mutedUntilFloor')}
        </p>
      ) : null}
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
      {props.chair ? (
        <div className="committee-floor-chair">
          {next !== null ? (
            <button
              type="button"
              className="button button-primary"
              data-testid="give-floor-next"
              aria-label={t('committee.floor.giveNextTo', { name: nameOf(next) })}
              onClick={() => action.run(() => giveFloorToNextHand(client, committee))}
            >
              {t('committee.floor.giveNext')}
            </button>
          ) : null}
          <button
            type="button"
            className={`button${committee.freeDiscussion ? ' control-sharing' : ''}`}
            data-testid="floor-free-discussion"
            aria-pressed={committee.freeDiscussion}
            title={t('committee.floor.freeDiscussionHint')}
            onClick={() =>
              action.run(() =>
                client.committeeRequest('setFreeDiscussion', { open: !committee.freeDiscussion }),
              )
            }
          >
            {t('committee.floor.freeDiscussion')}
          </button>
          <button
            type="button"
            className="button"
            data-testid="mute-all"
            onClick={() =>
              action.run(async () => {
                setMutedAll(null);
                setMutedAll((await client.committeeRequest('muteAll', {})).muted);
              })
            }
          >
            {t('committee.floor.muteAll')}
          </button>
          {mutedAll !== null ? (
            <p className="hint" role="status" data-testid="mute-all-result">
              {t('committee.floor.mutedAll', { count: mutedAll })}
            </p>
          ) : null}
        </div>
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
