import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingSummary } from '@confidentiel/protocol';
import { hostPath, organiserMeetingPath } from '../router/routes.ts';
import { formatDateTime } from './dateTime.ts';
import { NavLink } from './NavLink.tsx';

/** A list of meetings by date; each title opens the meeting's page. */
export function MeetingTable(props: {
  meetings: readonly MeetingSummary[];
  /** The heading that names the table. */
  labelledBy: string;
  language: string;
  /** Offer "join as host" on scheduled meetings. */
  joinable: boolean;
  testId: string;
}): ReactNode {
  const { t } = useTranslation();
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
            <tr
              key={meeting.meetingId}
              data-testid="meeting-row"
              data-meeting-id={meeting.meetingId}
              data-status={meeting.status}
            >
              <td>{formatDateTime(meeting.startsAt, props.language)}</td>
              <th scope="row">
                <NavLink to={organiserMeetingPath(meeting.meetingId)} data-testid="meeting-link">
                  {meeting.title}
                </NavLink>
              </th>
              <td>{t(`organiser.kind.${meeting.kind}`)}</td>
              <td>
                <span className={`status status-${meeting.status}`}>
                  {t(`organiser.status.${meeting.status}`)}
                </span>
              </td>
              {props.joinable ? (
                <td>
                  {meeting.status === 'scheduled' ? (
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
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
