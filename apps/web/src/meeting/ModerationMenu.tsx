import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberInfo } from '@confidentiel/protocol';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { ParseKeys } from 'i18next';
import { MeetingError } from '../media/MeetingError.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { errorMessageKey } from '../ui/errorMessages.ts';
import { outranks } from './roles.ts';

/**
 * A moderator's actions on one participant, as a disclosure (a native
 * <details>: keyboard and screen readers work without extra code).
 */
export function ModerationMenu(props: {
  client: MeetingClient;
  self: MemberInfo;
  member: MemberInfo;
  hasCamera: boolean;
  hasScreen: boolean;
}): ReactNode {
  const { t } = useTranslation();
  const { client, member } = props;
  const [error, setError] = useState<ParseKeys | null>(null);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const [confirmingLobby, setConfirmingLobby] = useState(false);
  const errorId = useId();
  if (!outranks(props.self.role, member.role)) {
    return null;
  }
  const run = (action: () => Promise<void>): void => {
    setError(null);
    action().catch((failure: unknown) => setError(errorMessageKey(MeetingError.from(failure).reason)));
  };
  const id = member.memberId;
  const isHost = props.self.role === 'host';
  return (
    <details className="moderation-menu" data-testid="moderation-menu">
      <summary aria-label={t('moderation.menu', { name: member.displayName })}>⋯</summary>
      <div className="moderation-actions" role="group" aria-describedby={error ? errorId : undefined}>
        <button
          type="button"
          className="button"
          data-testid="moderate-mute"
          onClick={() => run(() => client.muteMember(id))}
        >
          {t('moderation.mute')}
        </button>
        {props.hasCamera ? (
          <button
            type="button"
            className="button"
            data-testid="moderate-stop-camera"
            onClick={() => run(() => client.stopMemberVideo(id, 'camera'))}
          >
            {t('moderation.stopCamera')}
          </button>
        ) : null}
        {props.hasScreen ? (
          <button
            type="button"
            className="button"
            data-testid="moderate-stop-screen"
            onClick={() => run(() => client.stopMemberVideo(id, 'screen'))}
          >
            {t('moderation.stopScreen')}
          </button>
        ) : null}
        {isHost && member.role !== 'co-host' ? (
          <button
            type="button"
            className="button"
            data-testid="moderate-make-cohost"
            onClick={() => run(() => client.setMemberRole(id, 'co-host'))}
          >
            {t('moderation.makeCoHost')}
          </button>
        ) : null}
        {member.role !== 'participant' ? (
          <button
            type="button"
            className="button"
            data-testid="moderate-make-participant"
            onClick={() => run(() => client.setMemberRole(id, 'participant'))}
          >
            {t('moderation.makeParticipant')}
          </button>
        ) : null}
        {member.role !== 'observer' ? (
          <button
            type="button"
            className="button"
            data-testid="moderate-make-observer"
            onClick={() => run(() => client.setMemberRole(id, 'observer'))}
          >
            {t('moderation.makeObserver')}
          </button>
        ) : null}
        <button
          type="button"
          className="button"
          data-testid="moderate-send-to-lobby"
          aria-haspopup="dialog"
          onClick={() => setConfirmingLobby(true)}
        >
          {t('moderation.sendToLobby')}
        </button>
        <button
          type="button"
          className="button button-danger"
          data-testid="moderate-remove"
          aria-haspopup="dialog"
          onClick={() => setConfirmingRemove(true)}
        >
          {t('moderation.remove')}
        </button>
      </div>
      <ConfirmDialog
        open={confirmingRemove}
        title={t('confirm.removeTitle', { name: member.displayName })}
        message={t('confirm.removeMessage', { name: member.displayName })}
        confirmLabel={t('moderation.remove')}
        danger
        testId="confirm-remove"
        onCancel={() => setConfirmingRemove(false)}
        onConfirm={() => {
          setConfirmingRemove(false);
          run(() => client.removeMember(id));
        }}
      />
      <ConfirmDialog
        open={confirmingLobby}
        title={t('confirm.sendToLobbyTitle', { name: member.displayName })}
        message={t('confirm.sendToLobbyMessage', { name: member.displayName })}
        confirmLabel={t('moderation.sendToLobby')}
        testId="confirm-send-to-lobby"
        onCancel={() => setConfirmingLobby(false)}
        onConfirm={() => {
          setConfirmingLobby(false);
          run(() => client.sendToLobby([id]));
        }}
      />
      {error !== null ? (
        <p className="notice notice-error" role="alert" id={errorId}>
          {t('moderation.failedAction')} {t(error)}
        </p>
      ) : null}
    </details>
  );
}
