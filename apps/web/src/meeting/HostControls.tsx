import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { MeetingError } from '../media/MeetingError.ts';
import type { MeetingState } from '../media/meetingState.ts';
import { isModeratorRole } from './roles.ts';

/** Lock the room (co-hosts too) and end the meeting for everyone (host only). */
export function HostControls(props: { client: MeetingClient; state: MeetingState }): ReactNode {
  const { t } = useTranslation();
  const { client, state } = props;
  const [error, setError] = useState<string | null>(null);
  const role = state.self?.role;
  if (role === undefined || !isModeratorRole(role)) {
    return null;
  }
  const run = (action: () => Promise<void>): void => {
    setError(null);
    action().catch((failure: unknown) => setError(MeetingError.from(failure).message));
  };
  const locked = state.room.locked;
  return (
    <div className="host-controls" role="group" aria-label={t('roles.host')}>
      <button
        type="button"
        className={`button ${locked ? 'control-off' : ''}`}
        aria-pressed={locked}
        data-testid="toggle-lock"
        onClick={() => run(() => client.setRoomLocked(!locked))}
      >
        {locked ? t('moderation.unlock') : t('moderation.lock')}
      </button>
      {locked ? (
        <span className="badge badge-alert" data-testid="room-locked">
          {t('moderation.locked')}
        </span>
      ) : null}
      {role === 'host' ? (
        <button
          type="button"
          className="button button-danger"
          data-testid="end-for-all"
          onClick={() => {
            if (window.confirm(t('moderation.confirmEnd'))) {
              run(() => client.endMeeting());
            }
          }}
        >
          {t('moderation.endForAll')}
        </button>
      ) : null}
      {error !== null ? (
        <p className="notice notice-error" role="alert">
          {t('moderation.failed', { reason: error })}
        </p>
      ) : null}
    </div>
  );
}
