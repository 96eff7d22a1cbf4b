import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { meetingLink } from '../router/routes.ts';
import { CopyLink } from '../ui/CopyLink.tsx';
import type { TileModel } from './tiles.ts';

export function ParticipantsPanel(props: { meetingId: string; tiles: TileModel[] }): ReactNode {
  const { t } = useTranslation();
  const heading = useId();
  const people = props.tiles.filter((tile) => tile.source === 'camera');
  return (
    <aside className="sidebar" aria-labelledby={heading}>
      <h2 id={heading}>{t('meeting.participantsTitle')}</h2>
      <p className="participant-count" data-testid="participant-count">
        {t('meeting.participants', { count: people.length })}
      </p>
      <ul className="participants" data-testid="participants-list">
        {people.map((person) => (
          <li key={person.memberId} data-member-id={person.memberId}>
            <span className="participant-name">
              {person.displayName}
              {person.isSelf ? ` ${t('meeting.you')}` : ''}
            </span>
            {person.isActiveSpeaker ? (
              <span className="badge badge-speaking">{t('meeting.speaking')}</span>
            ) : null}
            {person.audioMuted ? <span className="badge badge-muted">{t('meeting.micMuted')}</span> : null}
          </li>
        ))}
      </ul>
      <CopyLink link={meetingLink(window.location.origin, props.meetingId)} label={t('meeting.invite')} />
    </aside>
  );
}
