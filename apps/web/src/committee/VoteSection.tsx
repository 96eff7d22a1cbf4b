import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo, OpenVote } from '@confidentiel/protocol';
import { ActionError } from './ActionError.tsx';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { formatTimeOfDay } from './elapsed.ts';
import { useCommitteeAction, type CommitteeAction } from './useCommitteeAction.ts';
import { useOptionLabel } from './useOptionLabel.ts';
import { VoteForm } from './VoteForm.tsx';
import { VoteResults } from './VoteResults.tsx';

function Ballot(props: {
  client: CommitteeRequester;
  vote: OpenVote;
  self: MemberInfo;
  action: CommitteeAction;
}): ReactNode {
  const { t } = useTranslation();
  const groupId = useId();
  const optionLabel = useOptionLabel();
  const { client, vote, action } = props;
  // Ours until the server's state says so too: the buttons must not invite a second ballot.
  const [castIn, setCastIn] = useState<string | null>(null);
  const voted = vote.voted.includes(props.self.memberId) || castIn === vote.voteId;
  return (
    <div className="committee-ballot">
      <p id={groupId} className="committee-ballot-label">
        {t('committee.vote.yourBallot')}
      </p>
      <div className="committee-options" role="group" aria-labelledby={groupId}>
        {vote.options.map((option) => (
          <button
            key={option}
            type="button"
            className="button"
            data-testid="vote-option"
            data-option={option}
            disabled={voted}
            onClick={() =>
              action.run(async () => {
                await client.committeeRequest('castVote', { voteId: vote.voteId, choice: option });
                setCastIn(vote.voteId);
              })
            }
          >
            {optionLabel(option)}
          </button>
        ))}
      </div>
      {voted ? (
        <p className="committee-voted" role="status" data-testid="vote-cast">
          {t('committee.vote.youVoted')}
        </p>
      ) : null}
    </div>
  );
}

/** The open vote (ballot for members, closing for the chair), the chair's form, and the results. */
export function VoteSection(props: {
  client: CommitteeRequester;
  committee: CommitteeState;
  self: MemberInfo;
  chair: boolean;
  voter: boolean;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const action = useCommitteeAction();
  const { client, committee } = props;
  const vote = committee.vote;
  // The results on demand, newest first, so the tab keeps its height in the cockpit (whose summary
  // shows the latest one).
  const newestFirst = [...committee.results].reverse();
  return (
    <section className="committee-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('committee.vote.title')}</h3>
      {vote !== null ? (
        <div className="committee-open-vote" data-testid="current-vote" data-vote-id={vote.voteId}>
          <p className="committee-vote-motion">
            <span className="committee-current-label">{t('committee.vote.inProgress')}</span> {vote.motion}
          </p>
          <p className="hint">
            {t(vote.secret ? 'committee.vote.secretBallot' : 'committee.vote.openBallot')} ·{' '}
            {t('committee.vote.openedAt', { time: formatTimeOfDay(vote.openedAt, i18n.language) })} ·{' '}
            <span data-testid="vote-progress">
              {t('committee.vote.votedOf', { voted: vote.voted.length, eligible: vote.eligible })}
            </span>{' '}
            · {t('committee.vote.quorum', { quorum: vote.quorum })}
          </p>
          {props.voter ? (
            <Ballot key={vote.voteId} client={client} vote={vote} self={props.self} action={action} />
          ) : (
            <p className="hint">{t('committee.vote.observer')}</p>
          )}
          {props.chair ? (
            <button
              type="button"
              className="button button-danger"
              data-testid="close-vote"
              onClick={() => action.run(() => client.committeeRequest('closeVote', { voteId: vote.voteId }))}
            >
              {t('committee.vote.close')}
            </button>
          ) : null}
        </div>
      ) : props.chair ? (
        <VoteForm client={client} action={action} />
      ) : (
        <p className="hint">{t('committee.vote.none')}</p>
      )}
      <ActionError error={action.error} />
      {committee.results.length > 0 ? (
        <details className="committee-results-details">
          <summary>{t('committee.vote.resultsCount', { count: committee.results.length })}</summary>
          <VoteResults results={newestFirst} />
        </details>
      ) : null}
    </section>
  );
}
