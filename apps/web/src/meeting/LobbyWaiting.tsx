import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { WaitingReason } from '@confidentiel/protocol';

function messageKey(reason: WaitingReason) {
  switch (reason) {
    case 'no-host':
      return 'lobby.waitingNoHost' as const;
    case 'admission':
      return 'lobby.waitingAdmission' as const;
    case 'locked':
      return 'lobby.waitingLocked' as const;
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** What a guest sees while a host has not let them in: no media, no keys, no one else's name. */
export function LobbyWaiting(props: {
  reason: WaitingReason;
  onLeave: () => void;
  children?: ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="meeting-status lobby-waiting" data-testid="lobby-waiting" data-reason={props.reason}>
      <h1 ref={heading} tabIndex={-1}>
        {t('lobby.waitingTitle')}
      </h1>
      <p role="status" aria-live="polite">
        {t(messageKey(props.reason))}
      </p>
      <div className="waiting-indicator" aria-hidden="true" />
      <div className="actions">
        <button type="button" className="button" data-testid="lobby-leave" onClick={props.onLeave}>
          {t('lobby.leave')}
        </button>
      </div>
      {props.children}
    </section>
  );
}
