import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingSummary, SessionResponse } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { SIGN_IN_PATH } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { AccountInviteForm } from './AccountInviteForm.tsx';
import { CreateMeetingForm } from './CreateMeetingForm.tsx';
import { groupMeetings } from './meetingGroups.ts';
import { MeetingTable } from './MeetingTable.tsx';
import { RequireSession } from './RequireSession.tsx';
import { sessionStore } from './SessionStore.ts';
import { organiserFailure } from './sessionFailure.ts';
import './organiser.css';

/** Below this many recovery codes left, the dashboard says so. */
export const RECOVERY_CODES_WARNING = 3;

type Meetings =
  | { status: 'loading' }
  | { status: 'failed'; error: ParseKeys }
  | { status: 'loaded'; meetings: MeetingSummary[] };

/** `/organisateur`: the organiser's meetings, a form to create one, and (admins) to invite an organiser. */
export function DashboardPage(): ReactNode {
  return <RequireSession>{(session, api) => <Dashboard session={session} api={api} />}</RequireSession>;
}

function Dashboard(props: { session: SessionResponse; api: OrganiserApi }): ReactNode {
  const { t, i18n } = useTranslation();
  const { account } = props.session;
  const ids = { heading: useId(), meetings: useId(), upcoming: useId(), past: useId() };
  const heading = useRef<HTMLHeadingElement>(null);
  const [meetings, setMeetings] = useState<Meetings>({ status: 'loading' });
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<ParseKeys | null>(null);
  const [now] = useState(() => Date.now());
  useDocumentTitle(t('organiser.dashboard.title'));

  useEffect(() => heading.current?.focus(), []);

  const load = useCallback((): (() => void) => {
    let current = true;
    props.api.listMeetings().then(
      (list) => {
        if (current) {
          setMeetings({ status: 'loaded', meetings: list });
        }
      },
      (failure: unknown) => {
        const error = organiserFailure(failure);
        if (current && error) {
          setMeetings({ status: 'failed', error });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [props.api]);

  useEffect(() => load(), [load]);

  const signOut = async (): Promise<void> => {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await sessionStore.signOut();
      navigate(SIGN_IN_PATH, { replace: true });
    } catch {
      setSignOutError('organiser.dashboard.signOutFailed');
      setSigningOut(false);
    }
  };

  const groups = meetings.status === 'loaded' ? groupMeetings(meetings.meetings, now) : null;

  return (
    <div className="organiser-page" data-testid="organiser-dashboard">
      <div className="organiser-heading">
        <div>
          <h1 id={ids.heading} ref={heading} tabIndex={-1}>
            {t('organiser.dashboard.title')}
          </h1>
          <p className="hint" data-testid="signed-in-as">
            {t('organiser.dashboard.signedInAs', { name: account.displayName, email: account.email })}
          </p>
        </div>
        <button
          type="button"
          className="button"
          disabled={signingOut}
          data-testid="sign-out"
          onClick={() => void signOut()}
        >
          {signingOut ? t('organiser.dashboard.signingOut') : t('organiser.dashboard.signOut')}
        </button>
      </div>
      {signOutError ? (
        <p className="notice notice-error" role="alert">
          {t(signOutError)}
        </p>
      ) : null}
      {props.session.recoveryCodesLeft <= RECOVERY_CODES_WARNING ? (
        <p className="notice notice-warning" data-testid="recovery-codes-low">
          {t('organiser.dashboard.recoveryLow', { count: props.session.recoveryCodesLeft })}
        </p>
      ) : null}

      <div className="organiser-columns">
        <section aria-labelledby={ids.meetings} className="organiser-main" data-testid="meetings">
          <h2 id={ids.meetings}>{t('organiser.dashboard.meetingsTitle')}</h2>
          {meetings.status === 'loading' ? (
            <p className="organiser-status" role="status">
              {t('organiser.common.loading')}
            </p>
          ) : meetings.status === 'failed' ? (
            <div>
              <p className="notice notice-error" role="alert">
                {t('organiser.dashboard.loadFailed')} {t(meetings.error)}
              </p>
              <button
                type="button"
                className="button"
                onClick={() => {
                  setMeetings({ status: 'loading' });
                  load();
                }}
              >
                {t('organiser.common.retry')}
              </button>
            </div>
          ) : groups ? (
            <>
              <h3 id={ids.upcoming}>{t('organiser.dashboard.upcoming')}</h3>
              {groups.upcoming.length === 0 ? (
                <p data-testid="no-upcoming-meeting">{t('organiser.dashboard.noneUpcoming')}</p>
              ) : (
                <MeetingTable
                  meetings={groups.upcoming}
                  labelledBy={ids.upcoming}
                  language={i18n.language}
                  joinable
                  testId="upcoming-meetings"
                />
              )}
              {groups.past.length > 0 ? (
                <>
                  <h3 id={ids.past}>{t('organiser.dashboard.past')}</h3>
                  <MeetingTable
                    meetings={groups.past}
                    labelledBy={ids.past}
                    language={i18n.language}
                    joinable={false}
                    testId="past-meetings"
                  />
                </>
              ) : null}
            </>
          ) : null}
        </section>

        <div className="organiser-side">
          <CreateMeetingForm api={props.api} />
          {account.role === 'admin' ? <AccountInviteForm csrfToken={props.session.csrfToken} /> : null}
        </div>
      </div>
    </div>
  );
}
