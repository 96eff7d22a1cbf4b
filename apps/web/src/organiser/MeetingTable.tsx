import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingSummary } from '@confidentiel/protocol';
import { hostPath, organiserMeetingPath } from '../router/routes.ts';
import { useMediaQuery } from '../ui/useMediaQuery.ts';
import { formatDateTime } from './dateTime.ts';
import { meetingStatusText } from './meetingStatusText.ts';
import { NARROW_SCREEN } from './narrowScreen.ts';
import { NavLink } from './NavLink.tsx';

/**
 * A list of meetings by date; each title opens the meeting's page. A table on
 * a wide screen, a list of cards on a phone (same facts, each labelled).
 */
export function MeetingTable(props: {
  meetings: readonly MeetingSummary[];
  /** The heading that names the table. */
  labelledBy: string;
  language: string;
  /** Offer "join as host" on meetings not cancelled (a held one may be reopened). */
  joinable: boolean;
  testId: string;
}): ReactNode {
  const { t } = useTranslation();
  const narrow = useMediaQuery(NARROW_SCREEN);

  const title = (meeting: MeetingSummary): ReactNode => (
    <NavLink to={organiserMeetingPath(meeting.meetingId)} data-testid="meeting-link">
      {meeting.title}
    </NavLink>
  );
  const status = (meeting: MeetingSummary): ReactNode => (
    <span className={`status status-${meeting.status}`}>{meetingStatusText(meeting, t, props.language)}</span>
  );
  const join = (meeting: MeetingSummary): ReactNode =>
    props.joinable && meeting.status !== 'cancelled' ? (
      <NavLink
        to={hostPath(meeting.meetingId)}
        className="button button-small"
        data-testid="dashboard-host-join"
      >
        {t('organiser.dashboard.join')}{' '}
        <span className="visually-hidden">
          {t('organiser.dashboard.joinContext', { title: meeting.title })}
        </span>
      </NavLink>
    ) : null;
  const rowData = (meeting: MeetingSummary) => ({
    'data-testid': 'meeting-row',
    'data-meeting-id': meeting.meetingId,
    'data-status': meeting.status,
  });

  if (narrow) {
    return (
      <ul className="organiser-cards" aria-labelledby={props.labelledBy} data-testid={props.testId}>
        {props.meetings.map((meeting) => (
          <li key={meeting.meetingId} className="organiser-card-item" {...rowData(meeting)}>
            <p className="organiser-card-title">{title(meeting)}</p>
            <dl className="organiser-card-facts">
              <div>
                <dt>{t('organiser.dashboard.colDate')}</dt>
                <dd>{formatDateTime(meeting.startsAt, props.language)}</dd>
              </div>
              <div>
                <dt>{t('organiser.dashboard.colKind')}</dt>
                <dd>{t(`organiser.kind.${meeting.kind}`)}</dd>
              </div>
              <div>
                <dt>{t('organiser.dashboard.colStatus')}</dt>
                <dd>{status(meeting)}</dd>
              </div>
            </dl>
            {join(meeting)}
          </li>
        ))}
      </ul>
    );
  }

  return (
    <div className="organiser-table-wrap">
      <table className="organiser-table" aria-labelledby={props.labelledBy} data-testid={props.testId}>
        <thead>
          <tr>
            <th scope="col">{t('organiser.dashboard.colDate')}</th>
            <th scope="col">{t('organiser.dashboard.colTitle')}</th>
            <th scope="col">{t('organiser.dashboard.colKind')}</th>
            <th scope="col">{t('organiser.dashboard.colStatus')}</th>
            {props.joinable ? <th scope="col">{t('organiser.dashboard.colJoin')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {props.meetings.map((meeting) => (
            <tr key={meeting.meetingId} {...rowData(meeting)}>
              <td>{formatDateTime(meeting.startsAt, props.language)}</td>
              <th scope="row">{title(meeting)}</th>
              <td>{t(`organiser.kind.${meeting.kind}`)}</td>
              <td>{status(meeting)}</td>
              {props.joinable ? <td>{join(meeting)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
