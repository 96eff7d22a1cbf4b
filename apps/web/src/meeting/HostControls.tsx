import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { MeetingError } from '../media/MeetingError.ts';
import type { MeetingState } from '../media/meetingState.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { errorMessageKey } from '../ui/errorMessages.ts';
import { Icon } from '../ui/Icon.tsx';
import { isModeratorRole } from './roles.ts';

/** What the moderation controls need; `onError` shows why an action failed (null clears it). */
export interface HostControlsProps {
  client: MeetingClient;
  state: MeetingState;
  onError: (message: ParseKeys | null) => void;
}

export interface HostControlItems {
  /** The buttons, for the controls bar or its « Plus » menu. */
  buttons: ReactNode;
  /**
   * The confirmation, rendered apart from the buttons: it must survive the
   * buttons moving between the bar and the menu (a phone turned, a window resized).
   */
  dialog: ReactNode;
}

/**
 * Lock the room (co-hosts too) and end the meeting for everyone (host only,
 * after the app's own confirmation). Null for everyone else.
 */
export function useHostControls(props: HostControlsProps): HostControlItems | null {
  const { t } = useTranslation();
  const { client, state, onError } = props;
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  const role = state.self?.role;
  if (role === undefined || !isModeratorRole(role)) {
    return null;
  }
  const run = (action: () => Promise<void>): void => {
    onError(null);
    action().catch((failure: unknown) => onError(errorMessageKey(MeetingError.from(failure).reason)));
  };
  const locked = state.room.locked;
  const isHost = role === 'host';
  return {
    buttons: (
      <>
        <button
          type="button"
          className={`button control ${locked ? 'control-off' : ''}`}
          data-testid="toggle-lock"
          data-locked={locked ? 'true' : 'false'}
          onClick={() => run(() => client.setRoomLocked(!locked))}
        >
          <Icon name="lock" />
          {locked ? t('moderation.unlock') : t('moderation.lock')}
        </button>
        {isHost ? (
          <button
            type="button"
            className="button control control-danger-outline"
            data-testid="end-for-all"
            aria-haspopup="dialog"
            onClick={() => setConfirmingEnd(true)}
          >
            <Icon name="end" />
            {t('moderation.endForAll')}
          </button>
        ) : null}
      </>
    ),
    dialog: isHost ? (
      <ConfirmDialog
        open={confirmingEnd}
        title={t('confirm.endTitle')}
        message={t('confirm.endMessage')}
        confirmLabel={t('moderation.endForAll')}
        danger
        testId="confirm-end"
        onCancel={() => setConfirmingEnd(false)}
        onConfirm={() => {
          setConfirmingEnd(false);
          run(() => client.endMeeting());
        }}
      />
    ) : null,
  };
}
