import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { MeetingError } from '../media/MeetingError.ts';
import type { MeetingState } from '../media/meetingState.ts';
import { errorMessageKey } from '../ui/errorMessages.ts';
import { isModeratorRole } from './roles.ts';
import { playArrivalChime } from './arrivalChime.ts';
import type { LobbyChat } from './lobbyChat/LobbyChat.ts';
import { LobbyChatHost } from './lobbyChat/LobbyChatHost.tsx';

/**
 * Hosts' view of the lobby: who waits, admit or refuse each, or everyone,
 * and write to them (the lobby chat, sealed for each person waiting).
 * A new arrival plays a short chime and highlights the panel.
 */
export function LobbyPanel(props: {
  client: MeetingClient;
  state: MeetingState;
  lobbyChat?: LobbyChat | undefined;
}): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { state, client } = props;
  const [error, setError] = useState<ParseKeys | null>(null);
  const [fresh, setFresh] = useState(false);
  const known = useRef(new Set<string>());
  const waiting = state.lobby;

  useEffect(() => {
    const arrived = waiting.some((w) => !known.current.has(w.memberId));
    known.current = new Set(waiting.map((w) => w.memberId));
    if (!arrived) {
      return undefined;
    }
    playArrivalChime();
    setFresh(true);
    const timer = setTimeout(() => setFresh(false), 4_000);
    return () => clearTimeout(timer);
  }, [waiting]);

  if (!state.self || !isModeratorRole(state.self.role)) {
    return null;
  }
  const run = (action: () => Promise<void>): void => {
    setError(null);
    action().catch((failure: unknown) => setError(errorMessageKey(MeetingError.from(failure).reason)));
  };
  return (
    <section
      className={`lobby-panel${fresh ? ' lobby-panel-fresh' : ''}`}
      aria-labelledby={headingId}
      data-testid="lobby-panel"
    >
      <h2 id={headingId}>
        {t('lobby.panelTitle')}{' '}
        {waiting.length > 0 ? (
          <span className="badge badge-alert" data-testid="lobby-count">
            {t('lobby.waitingCount', { count: waiting.length })}
          </span>
        ) : null}
      </h2>
      {waiting.length === 0 ? <p className="hint">{t('lobby.empty')}</p> : null}
      <ul className="lobby-list" data-testid="lobby-list">
        {waiting.map((entry) => (
          <li key={entry.memberId} data-member-id={entry.memberId} data-testid="lobby-entry">
            <span className="participant-name">{entry.displayName}</span>
            <span className="lobby-actions">
              <button
                type="button"
                className="button button-primary"
                data-testid="lobby-admit"
                aria-label={t('lobby.admitName', { name: entry.displayName })}
                onClick={() => run(() => client.admit([entry.memberId]))}
              >
                {t('lobby.admit')}
              </button>
              <button
                type="button"
                className="button"
                data-testid="lobby-refuse"
                aria-label={t('lobby.refuseName', { name: entry.displayName })}
                onClick={() => run(() => client.refuseEntry(entry.memberId))}
              >
                {t('lobby.refuse')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {waiting.length > 1 ? (
        <button
          type="button"
          className="button"
          data-testid="lobby-admit-all"
          onClick={() => run(() => client.admitAll())}
        >
          {t('lobby.admitAll')}
        </button>
      ) : null}
      {error !== null ? (
        <p className="notice notice-error" role="alert">
          {t('moderation.failedAction')} {t(error)}
        </p>
      ) : null}
      {props.lobbyChat ? <LobbyChatHost chat={props.lobbyChat} waiting={waiting} /> : null}
    </section>
  );
}
