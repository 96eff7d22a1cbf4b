import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { E2eeSnapshot, MemberE2ee } from '../e2ee/E2eeSession.ts';
import { meetingLink } from '../router/routes.ts';
import { CopyLink } from '../ui/CopyLink.tsx';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { MeetingState } from '../media/meetingState.ts';
import { ModerationMenu } from './ModerationMenu.tsx';
import type { TileModel } from './tiles.ts';

function KeyBadges(props: { member: MemberE2ee | undefined }): ReactNode {
  const { t } = useTranslation();
  const member = props.member;
  if (!member) {
    return null;
  }
  return (
    <>
      {member.rejected !== null ? (
        <span className="badge badge-alert" data-testid="member-rejected">
          {t('e2ee.memberRejected')}
        </span>
      ) : null}
      {member.link === 'mismatch' ? (
        <span className="badge badge-alert">{t('e2ee.memberLinkMismatch')}</span>
      ) : null}
      {!member.hasKey && member.rejected === null ? (
        <span className="badge badge-waiting">{t('e2ee.memberNoKey')}</span>
      ) : null}
    </>
  );
}

/** Groups of digits, read one group at a time by screen readers too. */
function SafetyCode(props: {
  code: string | null;
  testId: string;
  memberId?: string;
  label: string;
}): ReactNode {
  const { t } = useTranslation();
  return (
    <span className="safety-code-line">
      <span className="visually-hidden">{props.label} : </span>
      <code
        className="safety-code"
        data-testid={props.testId}
        {...(props.memberId !== undefined ? { 'data-member-id': props.memberId } : {})}
      >
        {props.code ?? t('e2ee.safetyPending')}
      </code>
    </span>
  );
}

export function ParticipantsPanel(props: {
  meetingId: string;
  tiles: TileModel[];
  e2ee: E2eeSnapshot;
  linkSecret: string | null;
  showInvite: boolean;
  client: MeetingClient;
  state: MeetingState;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { heading: useId(), safety: useId(), safetyHint: useId() };
  const people = props.tiles.filter((tile) => tile.source === 'camera');
  const byMember = new Map(props.e2ee.members.map((m) => [m.memberId, m]));
  const self = props.state.self;
  const infoOf = new Map(props.state.members.map((m) => [m.memberId, m]));
  return (
    <section className="participants-panel" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>{t('meeting.participantsTitle')}</h2>
      <p className="participant-count" data-testid="participant-count">
        {t('meeting.participants', { count: people.length })}
      </p>
      <ul className="participants" data-testid="participants-list">
        {people.map((person) => {
          const e2ee = byMember.get(person.memberId);
          const info = person.isSelf ? self : infoOf.get(person.memberId);
          const sources = new Set(
            props.state.media.filter((m) => m.memberId === person.memberId).map((m) => m.source),
          );
          return (
            <li key={person.memberId} data-member-id={person.memberId}>
              <span className="participant-name">
                {person.displayName}
                {person.isSelf ? ` ${t('meeting.you')}` : ''}
              </span>
              {info && info.role !== 'participant' ? (
                <span className="badge badge-role" data-testid="member-role">
                  {t(`roles.${info.role}`)}
                </span>
              ) : null}
              {person.isActiveSpeaker ? (
                <span className="badge badge-speaking">{t('meeting.speaking')}</span>
              ) : null}
              {person.audioMuted ? <span className="badge badge-muted">{t('meeting.micMuted')}</span> : null}
              {person.isSelf ? null : <KeyBadges member={e2ee} />}
              {person.isSelf ? null : (
                <SafetyCode
                  code={e2ee?.safetyCode ?? null}
                  testId="safety-code"
                  memberId={person.memberId}
                  label={t('e2ee.safetyWith', { name: person.displayName })}
                />
              )}
              {!person.isSelf && self && info ? (
                <ModerationMenu
                  client={props.client}
                  self={self}
                  member={info}
                  hasCamera={sources.has('camera')}
                  hasScreen={sources.has('screen')}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
      <section className="safety" aria-labelledby={ids.safety}>
        <h3 id={ids.safety}>{t('e2ee.safetyTitle')}</h3>
        <p className="hint" id={ids.safetyHint}>
          {t('e2ee.safetyHint')}
        </p>
        <p className="safety-room" aria-describedby={ids.safetyHint}>
          <span className="safety-room-label">{t('e2ee.safetyRoom')}</span>
          <code className="safety-code safety-code-large" data-testid="safety-code-room">
            {props.e2ee.roomSafetyCode ?? t('e2ee.safetyPending')}
          </code>
        </p>
      </section>
      {props.showInvite ? (
        <CopyLink
          link={meetingLink(window.location.origin, props.meetingId, props.linkSecret)}
          label={t('meeting.invite')}
        />
      ) : null}
    </section>
  );
}
