import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { VoteResult } from '@confidentiel/protocol';
import { formatTimeOfDay } from './elapsed.ts';
import { useOptionLabel } from './useOptionLabel.ts';

/** Every closed vote: motion, tally, quorum, outcome; names only for an open ballot. */
export function VoteResults(props: { results: readonly VoteResult[] }): ReactNode {
  const { t, i18n } = useTranslation();
  const optionLabel = useOptionLabel();
  if (props.results.length === 0) {
    return null;
  }
  return (
    <ol className="committee-results">
      {props.results.map((result) => (
        <li
          key={result.voteId}
          className="committee-result"
          data-testid="vote-result"
          data-vote-id={result.voteId}
          data-outcome={result.outcome}
        >
          <p className="committee-result-motion">{result.motion}</p>
          <p>
            <span className={`badge committee-outcome-${result.outcome}`}>
              {t(`committee.vote.outcome.${result.outcome}`)}
            </span>{' '}
            <span className="hint">
              {t(result.secret ? 'committee.vote.secretBallot' : 'committee.vote.openBallot')} ·{' '}
              {t('committee.vote.closedAt', { time: formatTimeOfDay(result.closedAt, i18n.language) })}
            </span>
          </p>
          <ul className="committee-tally">
            {result.options.map((option) => (
              <li key={option} data-option={option}>
                {t('committee.vote.tallyLine', {
                  option: optionLabel(option),
                  count: result.tally[option] ?? 0,
                })}
              </li>
            ))}
          </ul>
          <p className="hint">
            {t('committee.vote.castOf', { cast: result.cast, eligible: result.eligible })} ·{' '}
            {t(result.quorumReached ? 'committee.vote.quorumReached' : 'committee.vote.quorumMissed', {
              quorum: result.quorum,
            })}
          </p>
          {!result.secret && result.ballots !== null && result.ballots.length > 0 ? (
            <details className="committee-ballots">
              <summary>{t('committee.vote.ballots')}</summary>
              <ul>
                {result.ballots.map((ballot) => (
                  <li key={ballot.memberId}>
                    {t('committee.vote.ballotLine', {
                      name: ballot.displayName,
                      choice: optionLabel(ballot.choice),
                    })}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
