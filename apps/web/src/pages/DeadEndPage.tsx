import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { DASHBOARD_PATH, hostPath, signInPath } from '../router/routes.ts';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import type { DeadEnd } from './deadEnds.ts';
import type { MeetingAccess } from './meetingAccess.ts';

const WORDS: Record<DeadEnd, { title: ParseKeys; body: ParseKeys; next: ParseKeys }> = {
  'invite-invalid': {
    title: 'deadEnd.inviteInvalid.title',
    body: 'deadEnd.inviteInvalid.body',
    next: 'deadEnd.inviteInvalid.next',
  },
  'meeting-not-found': {
    title: 'deadEnd.meetingNotFound.title',
    body: 'deadEnd.meetingNotFound.body',
    next: 'deadEnd.meetingNotFound.next',
  },
  'meeting-cancelled': {
    title: 'deadEnd.meetingCancelled.title',
    body: 'deadEnd.meetingCancelled.body',
    next: 'deadEnd.meetingCancelled.next',
  },
  removed: { title: 'deadEnd.removed.title', body: 'deadEnd.removed.body', next: 'deadEnd.removed.next' },
  'sign-in': { title: 'deadEnd.signIn.title', body: 'deadEnd.signIn.body', next: 'deadEnd.signIn.next' },
};

/** The way on from a dead end: signing in for the host link, the organiser's space, or home. */
function NextStep(props: { deadEnd: DeadEnd; access: MeetingAccess }): ReactNode {
  const { t } = useTranslation();
  const { deadEnd, access } = props;
  if (deadEnd === 'sign-in' && access.kind === 'host') {
    return (
      <Link to={signInPath(hostPath(access.meetingId))} className="button button-primary">
        {t('deadEnd.signInAction')}
      </Link>
    );
  }
  if (deadEnd === 'meeting-cancelled' || (deadEnd === 'meeting-not-found' && access.kind === 'host')) {
    return (
      <Link to={DASHBOARD_PATH} className="button button-primary">
        {t('deadEnd.dashboard')}
      </Link>
    );
  }
  return (
    <Link to="/" className="button">
      {t('deadEnd.home')}
    </Link>
  );
}

/**
 * A link that leads nowhere from here: what happened, what to do next, and
 * no join form (its button could only fail).
 */
export function DeadEndPage(props: { deadEnd: DeadEnd; access: MeetingAccess }): ReactNode {
  const { t } = useTranslation();
  const words = WORDS[props.deadEnd];
  const heading = useRef<HTMLHeadingElement>(null);
  useDocumentTitle(t(words.title));
  // The page changed under the person (the form is gone): the heading is where to read from.
  useEffect(() => heading.current?.focus(), [props.deadEnd]);
  return (
    <section className="message-page" data-testid="dead-end" data-dead-end={props.deadEnd}>
      <h1 ref={heading} tabIndex={-1}>
        {t(words.title)}
      </h1>
      {/* The join form's error test id: either way, it is why this person cannot join. */}
      <p role="alert" data-testid="join-error">
        {t(words.body)}
      </p>
      <p>{t(words.next)}</p>
      <div className="actions">
        <NextStep deadEnd={props.deadEnd} access={props.access} />
      </div>
    </section>
  );
}
