import { useId, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LobbyChat } from './LobbyChat.ts';
import { LobbyChatComposer } from './LobbyChatComposer.tsx';
import { LobbyChatLog } from './LobbyChatLog.tsx';

/**
 * The waiting person's side of the lobby chat: what hosts wrote (announced politely), and once
 * a host has written, a box to answer them (« J'arrive », « Je n'ai pas le code »).
 */
export function LobbyChatWaiting(props: { chat: LobbyChat }): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const snapshot = useSyncExternalStore(props.chat.subscribe, props.chat.getSnapshot);
  return (
    <section className="lobby-chat lobby-chat-waiting" aria-labelledby={headingId} data-testid="lobby-chat">
      <h2 id={headingId}>{t('lobbyChat.waitingTitle')}</h2>
      {snapshot.entries.length === 0 ? <p className="hint">{t('lobbyChat.waitingEmpty')}</p> : null}
      <LobbyChatLog entries={snapshot.entries} labelledBy={headingId} messageTestId="lobby-chat-message" />
      {snapshot.hosts.length > 0 ? (
        <LobbyChatComposer
          label={t('lobbyChat.replyLabel')}
          sendLabel={t('lobbyChat.reply')}
          inputTestId="lobby-chat-reply-input"
          sendTestId="lobby-chat-reply-send"
          onSend={(text) => props.chat.send(text)}
        />
      ) : null}
    </section>
  );
}
