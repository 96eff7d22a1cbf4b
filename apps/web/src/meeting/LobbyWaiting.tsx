import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { WaitingReason } from '@confidentiel/protocol';
import type { WaitingRoomHost } from './waitingRoom.ts';
import { WaitingRoomDevices } from './WaitingRoomDevices.tsx';
import type { LobbyChat } from './lobbyChat/LobbyChat.ts';
import { LobbyChatWaiting } from './lobbyChat/LobbyChatWaiting.tsx';

function messageKey(reason: WaitingReason) {
  switch (reason) {
    case 'no-host':
      return 'lobby.waitingNoHost' as const;
    case 'admission':
      return 'lobby.waitingAdmission' as const;
    case 'locked':
      return 'lobby.waitingLocked' as const;
    case 'deliberation':
      return 'lobby.waitingDeliberation' as const;
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/**
 * What a guest sees while a host has not let them in: the meeting's title and
 * a test of their own camera and microphone; no one else's media, keys or name.
 */
export function LobbyWaiting(props: {
  reason: WaitingReason;
  onLeave: () => void;
  /** The page's flow: the title, and the devices to test (without it, the message alone). */
  waitingRoom?: WaitingRoomHost | undefined;
  /** Messages from the hosts, sealed for this person, and their answers. */
  lobbyChat?: LobbyChat | undefined;
  children?: ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const title = props.waitingRoom?.meetingTitle ?? null;
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="meeting-status lobby-waiting" data-testid="lobby-waiting" data-reason={props.reason}>
      <h1 ref={heading} tabIndex={-1}>
        {t('lobby.waitingTitle')}
      </h1>
      {title ? (
        <p className="waiting-meeting" data-testid="waiting-meeting-title">
          {t('lobby.meetingTitle')} <strong>{title}</strong>
        </p>
      ) : null}
      <p role="status" aria-live="polite">
        {t(messageKey(props.reason))}
      </p>
      <div className="waiting-indicator" aria-hidden="true" />
      {props.lobbyChat ? <LobbyChatWaiting chat={props.lobbyChat} /> : null}
      {props.waitingRoom ? <WaitingRoomDevices host={props.waitingRoom} /> : null}
      <div className="actions">
        <button type="button" className="button" data-testid="lobby-leave" onClick={props.onLeave}>
          {t('lobby.leave')}
        </button>
      </div>
      {props.children}
    </section>
  );
}
