import { useId, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LobbyEntry } from '@confidentiel/protocol';
import type { LobbyChat } from './LobbyChat.ts';
import { LobbyChatComposer } from './LobbyChatComposer.tsx';
import { LobbyChatLog } from './LobbyChatLog.tsx';

/**
 * The host's side of the lobby chat (in the lobby panel): write to everyone waiting or to one
 * person, each copy sealed for its addressee in this browser; their answers appear here too.
 */
export function LobbyChatHost(props: { chat: LobbyChat; waiting: readonly LobbyEntry[] }): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const toId = useId();
  const snapshot = useSyncExternalStore(props.chat.subscribe, props.chat.getSnapshot);
  const [chosen, setChosen] = useState<string>('all');
  // Someone chosen who is no longer waiting: back to everyone.
  const to = chosen === 'all' || props.waiting.some((w) => w.memberId === chosen) ? chosen : 'all';
  if (props.waiting.length === 0 && snapshot.entries.length === 0) {
    return null;
  }
  return (
    <section className="lobby-chat" aria-labelledby={headingId} data-testid="lobby-chat">
      <h3 id={headingId}>{t('lobbyChat.title')}</h3>
      <LobbyChatLog entries={snapshot.entries} labelledBy={headingId} messageTestId="lobby-chat-received" />
      {props.waiting.length > 0 ? (
        <LobbyChatComposer
          label={t('lobbyChat.inputLabel')}
          sendLabel={t('lobbyChat.send')}
          inputTestId="lobby-chat-input"
          sendTestId="lobby-chat-send"
          onSend={(text) => props.chat.send(text, to === 'all' ? undefined : to)}
        >
          <label htmlFor={toId}>{t('lobbyChat.toLabel')}</label>
          <select
            id={toId}
            className="lobby-chat-to"
            value={to}
            onChange={(event) => setChosen(event.currentTarget.value)}
            data-testid="lobby-chat-to"
          >
            <option value="all">{t('lobbyChat.toAll', { count: props.waiting.length })}</option>
            {props.waiting.map((entry) => (
              <option key={entry.memberId} value={entry.memberId}>
                {entry.displayName}
              </option>
            ))}
          </select>
        </LobbyChatComposer>
      ) : (
        <p className="hint">{t('lobbyChat.nobodyWaiting')}</p>
      )}
    </section>
  );
}
