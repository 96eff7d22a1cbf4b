import { AgendaEditor } from './AgendaEditor.tsx';
import { JournalList } from './JournalList.tsx';
import { RecordingList } from './RecordingList.tsx';
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { OrganiserApi, MeetingDetail } from '../api/organiserApi.ts';
import { DASHBOARD_PATH, hostPath, organiserMeetingPath } from '../router/routes.ts';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { CancelMeeting } from './CancelMeeting.tsx';
import { formatDateTime } from './dateTime.ts';
import { clearFlash, peekFlash } from './flash.ts';
import { InviteTable } from './InviteTable.tsx';
import { LinkSecretPanel } from './LinkSecretPanel.tsx';
import { loadLinkSecret } from './linkSecretStore.ts';
import { MeetingEditForm } from './MeetingEditForm.tsx';
import { meetingStatusText } from './meetingStatusText.ts';
import { NavLink } from './NavLink.tsx';
import { NewInviteForm } from './NewInviteForm.tsx';
import { RequireSession } from './RequireSession.tsx';
import { organiserFailure } from './sessionFailure.ts';
import './organiser.css';

type Loaded =
  | { status: 'loading' }
  | { status: 'failed'; error: ParseKeys }
  | { status: 'loaded'; detail: MeetingDetail };

/** `/organisateur/reunions/:meetingId`: one meeting, its invites, and new invites. */
export function MeetingPage(props: { meetingId: string }): ReactNode {
  return (
    <RequireSession>
      {(_session, api) => <MeetingDetailView meetingId={props.meetingId} api={api} />}
    </RequireSession>
  );
}

function MeetingDetailView(props: { meetingId: string; api: OrganiserApi }): ReactNode {
  const { t, i18n } = useTranslation();
  const { meetingId, api } = props;
  const ids = { heading: useId() };
  const heading = useRef<HTMLHeadingElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [linkSecret, setLinkSecret] = useState(() => loadLinkSecret(meetingId));
  // The page's polite announcements (saved, revoked, copied...), in one live region.
  const [announcement, setAnnouncement] = useState('');
  const [flash] = useState(() => peekFlash(organiserMeetingPath(meetingId)));
  const announce = useCallback((message: string): void => {
    // The same words twice in a row would not be read again: make them differ.
    setAnnouncement((previous) => (previous === message ? `${message}\u00a0` : message));
  }, []);
  const title = loaded.status === 'loaded' ? loaded.detail.meeting.title : null;
  useDocumentTitle(title ?? t('organiser.meeting.title'));

  useEffect(() => {
    clearFlash();
  }, []);

  const loadedOnce = useRef(false);
  /** Reads the meeting again; after a change, a failure goes to the control that made the change. */
  const reload = useCallback(async (): Promise<void> => {
    try {
      const detail = await api.getMeeting(meetingId);
      loadedOnce.current = true;
      setLoaded({ status: 'loaded', detail });
    } catch (failure) {
      if (loadedOnce.current) {
        throw failure;
      }
      const error = organiserFailure(failure);
      if (error) {
        setLoaded({ status: 'failed', error });
      }
    }
  }, [api, meetingId]);

  useEffect(() => {
    reload().catch((failure: unknown) => {
      const error = organiserFailure(failure);
      if (error) {
        setLoaded({ status: 'failed', error });
      }
    });
  }, [reload]);

  // Once the meeting shows, start reading from its title.
  const shown = loaded.status !== 'loading';
  useEffect(() => {
    if (shown) {
      heading.current?.focus();
    }
  }, [shown]);

  // Cancelling removes the controls the focus was in: bring it back to the top, where the page says so.
  const isCancelled = loaded.status === 'loaded' && loaded.detail.meeting.status === 'cancelled';
  const wasCancelled = useRef(isCancelled);
  useEffect(() => {
    if (isCancelled && !wasCancelled.current) {
      heading.current?.focus();
    }
    wasCancelled.current = isCancelled;
  }, [isCancelled]);

  const back = (
    <p className="organiser-back">
      <Link to={DASHBOARD_PATH}>{t('organiser.common.backToDashboard')}</Link>
    </p>
  );

  if (loaded.status === 'loading') {
    return (
      <div className="organiser-page">
        {back}
        <p className="organiser-status" role="status">
          {t('organiser.common.loading')}
        </p>
      </div>
    );
  }
  if (loaded.status === 'failed') {
    return (
      <div className="organiser-page" data-testid="organiser-meeting">
        {back}
        <h1 ref={heading} tabIndex={-1}>
          {t('organiser.meeting.title')}
        </h1>
        <p className="notice notice-error" role="alert" data-testid="meeting-load-error">
          {t('organiser.meeting.loadFailed')} {t(loaded.error)}
        </p>
      </div>
    );
  }

  const { meeting, invites } = loaded.detail;
  const cancelled = meeting.status === 'cancelled';

  return (
    <div className="organiser-page" data-testid="organiser-meeting" data-status={meeting.status}>
      {back}
      <div className="organiser-heading">
        <div>
          <h1 id={ids.heading} ref={heading} tabIndex={-1} data-testid="meeting-heading">
            {meeting.title}
          </h1>
          <dl className="organiser-facts" aria-labelledby={ids.heading}>
            <div>
              <dt>{t('organiser.meeting.when')}</dt>
              <dd>{formatDateTime(meeting.startsAt, i18n.language)}</dd>
            </div>
            <div>
              <dt>{t('organiser.meeting.kind')}</dt>
              <dd>{t(`organiser.kind.${meeting.kind}`)}</dd>
            </div>
            <div>
              <dt>{t('organiser.meeting.status')}</dt>
              <dd>
                <span className={`status status-${meeting.status}`} data-testid="meeting-status">
                  {meetingStatusText(meeting, t, i18n.language)}
                </span>
              </dd>
            </div>
            <div>
              <dt>{t('organiser.meeting.earlyEntry')}</dt>
              <dd>
                {meeting.allowEarlyEntry
                  ? t('organiser.meeting.earlyEntryYes')
                  : t('organiser.meeting.earlyEntryNo')}
              </dd>
            </div>
          </dl>
        </div>
        {cancelled ? null : (
          <NavLink
            to={hostPath(meeting.meetingId)}
            className="button button-primary button-large"
            data-testid="host-join-link"
          >
            {t('organiser.meeting.hostJoin')}
          </NavLink>
        )}
      </div>

      {flash ? (
        <p
          className={`notice ${flash === 'organiser.meeting.created' ? 'notice-ok' : 'notice-warning'}`}
          data-testid="meeting-flash"
        >
          {t(flash)}
        </p>
      ) : null}
      {cancelled ? (
        <p className="notice notice-warning" data-testid="meeting-cancelled">
          {t('organiser.meeting.cancelledNotice')}
        </p>
      ) : null}
      {cancelled || linkSecret ? null : (
        <LinkSecretPanel
          meetingId={meeting.meetingId}
          invites={invites}
          onSecret={(secret, message) => {
            setLinkSecret(secret);
            announce(message);
          }}
        />
      )}

      {/* The invitations have seven columns: the page's whole width, above the forms. */}
      <InviteTable
        meetingId={meeting.meetingId}
        invites={invites}
        linkSecret={linkSecret}
        api={api}
        announce={announce}
        onChanged={reload}
      />
      <div className="organiser-columns organiser-columns-even">
        <div className="organiser-main">
          {cancelled ? (
            <p className="organiser-card">{t('organiser.newInvite.cancelledMeeting')}</p>
          ) : (
            <NewInviteForm
              meetingId={meeting.meetingId}
              linkSecret={linkSecret}
              api={api}
              onCreated={reload}
            />
          )}
        </div>
        <div className="organiser-side">
          {meeting.kind === 'committee' && !cancelled ? (
            <AgendaEditor meetingId={meeting.meetingId} api={api} />
          ) : null}
          {meeting.kind === 'committee' ? (
            <>
              <RecordingList meetingId={meeting.meetingId} />
              <JournalList meetingId={meeting.meetingId} />
            </>
          ) : null}
          {cancelled ? null : (
            <>
              <MeetingEditForm meeting={meeting} api={api} onChanged={reload} />
              {/* Only a meeting never held is cancelled: a held one keeps its true record. */}
              {meeting.status === 'scheduled' ? (
                <CancelMeeting meeting={meeting} api={api} announce={announce} onChanged={reload} />
              ) : null}
            </>
          )}
        </div>
      </div>
      <p className="visually-hidden" role="status" data-testid="organiser-announcement">
        {announcement}
      </p>
    </div>
  );
}
