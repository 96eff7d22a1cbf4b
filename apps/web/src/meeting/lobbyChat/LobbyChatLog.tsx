import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LobbyChatEntry } from './LobbyChat.ts';
import './lobbyChat.css';

/** The words of one entry's author line, in the reader's language. */
function useAuthor(): (entry: LobbyChatEntry) => string {
  const { t } = useTranslation();
  return (entry) => {
    if (entry.kind === 'sent') {
      if (entry.to === 'all') {
        return t('lobbyChat.sentToAll');
      }
      return entry.to === 'hosts'
        ? t('lobbyChat.sentToHosts')
        : t('lobbyChat.sentTo', { name: entry.to.name });
    }
    return entry.fromRole === 'waiting'
      ? entry.from.name
      : t('lobbyChat.fromHost', { name: entry.from.name });
  };
}

/**
 * The lobby chat's messages, oldest first, in a polite live region (`role="log"`): a screen
 * reader hears each new one without losing its place. `messageTestId` marks the messages
 * received (the waiting screen's `lobby-chat-message`).
 */
export function LobbyChatLog(props: {
  entries: readonly LobbyChatEntry[];
  labelledBy: string;
  messageTestId: string;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const author = useAuthor();
  const time = new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit' });
  return (
    <ol
      className="chat-messages lobby-chat-log"
      role="log"
      aria-live="polite"
      aria-labelledby={props.labelledBy}
    >
      {props.entries.map((entry) => (
        <li
          key={entry.id}
          className={`chat-message lobby-chat-${entry.kind}${entry.kind === 'sent' ? ' chat-own' : ''}`}
          data-testid={entry.kind === 'sent' ? 'lobby-chat-sent' : props.messageTestId}
          data-state={entry.kind}
          data-from={entry.kind === 'sent' ? undefined : entry.from.memberId}
        >
          <p className="chat-meta">
            <span className="chat-author">{author(entry)}</span>{' '}
            <time dateTime={new Date(entry.sentAt).toISOString()}>{time.format(entry.sentAt)}</time>
          </p>
          {entry.kind === 'failed' ? (
            <p className="chat-text chat-failed-text">
              {entry.reason === 'bad-link-mac'
                ? t('lobbyChat.identityMismatch', { name: entry.from.name })
                : t('lobbyChat.failed', { name: entry.from.name })}
            </p>
          ) : (
            <p className="chat-text">{entry.text}</p>
          )}
          {entry.kind === 'sent' && entry.undelivered.length > 0 ? (
            <p className="hint" data-testid="lobby-chat-undelivered">
              {t('lobbyChat.undelivered', { names: entry.undelivered.map((p) => p.name).join(', ') })}
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
