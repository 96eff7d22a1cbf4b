import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeAction } from './useCommitteeAction.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { defaultOptionsText, MAX_VOTE_OPTIONS, parseVoteOptions } from './voteOptions.ts';

const MAX_MOTION_LENGTH = 500;

/** The chair puts a motion to the vote: its text, its options, open or secret ballot. */
export function VoteForm(props: { client: CommitteeRequester; action: CommitteeAction }): ReactNode {
  const { t } = useTranslation();
  const ids = { motion: useId(), options: useId(), optionsHint: useId(), secret: useId(), problem: useId() };
  const [motion, setMotion] = useState('');
  const [optionsText, setOptionsText] = useState(defaultOptionsText);
  const [secret, setSecret] = useState(false);
  const [problem, setProblem] = useState<'motion' | 'options' | null>(null);
  const { client, action } = props;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const text = motion.trim();
    const options = parseVoteOptions(optionsText);
    if (text === '') {
      setProblem('motion');
      return;
    }
    if (options === null) {
      setProblem('options');
      return;
    }
    setProblem(null);
    action.run(async () => {
      await client.committeeRequest('openVote', {
        motion: text,
        secret,
        ...(options === undefined ? {} : { options }),
      });
      setMotion('');
      setOptionsText(defaultOptionsText());
      setSecret(false);
    });
  };

  return (
    <form className="committee-vote-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={ids.motion}>{t('committee.vote.motion')}</label>
        <textarea
          id={ids.motion}
          data-testid="vote-motion-input"
          rows={2}
          maxLength={MAX_MOTION_LENGTH}
          value={motion}
          aria-invalid={problem === 'motion'}
          aria-describedby={problem === 'motion' ? ids.problem : undefined}
          onChange={(event) => setMotion(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.options}>{t('committee.vote.options')}</label>
        <input
          id={ids.options}
          type="text"
          data-testid="vote-options-input"
          value={optionsText}
          aria-invalid={problem === 'options'}
          aria-describedby={problem === 'options' ? `${ids.optionsHint} ${ids.problem}` : ids.optionsHint}
          onChange={(event) => setOptionsText(event.target.value)}
        />
        <p className="hint" id={ids.optionsHint}>
          {t('committee.vote.optionsHint', { max: MAX_VOTE_OPTIONS })}
        </p>
      </div>
      <div className="committee-vote-submit">
        <div className="check">
          <input
            id={ids.secret}
            type="checkbox"
            data-testid="vote-secret"
            checked={secret}
            onChange={(event) => setSecret(event.target.checked)}
          />
          <label htmlFor={ids.secret}>{t('committee.vote.secret')}</label>
        </div>
        <button type="submit" className="button button-primary" data-testid="open-vote">
          {t('committee.vote.open')}
        </button>
      </div>
      {problem !== null ? (
        <p className="field-error" role="alert" id={ids.problem}>
          {t(problem === 'motion' ? 'committee.vote.motionRequired' : 'committee.vote.optionsInvalid')}
        </p>
      ) : null}
    </form>
  );
}
