import {
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import { checkChatText, MAX_CHAT_TEXT_CHARS, type ChatEntry } from '../e2ee/chatLog.ts';

/**
 * The meeting chat: sealed in this browser before it leaves, opened here when
 * it arrives. A message that fails authentication is shown as such, never as
 * text. Nothing is stored: the log lives in memory for this participation.
 * Collapsed, it shows the latest message only (the controls bar counts the
 * unread ones); expanded, the whole log and the message field.
 */
export function ChatPanel(props: {
  id: string;
  expanded: boolean;
  messages: readonly ChatEntry[];
  onSend: (text: string) => Promise<void>;
  onClose: () => void;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const ids = { heading: useId(), input: useId(), hint: useId(), error: useId() };
  const input = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const time = new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit' });

  // Expanding the chat puts the cursor in the message field.
  useEffect(() => {
    if (props.expanded) {
      input.current?.focus();
    }
  }, [props.expanded]);

  // Follow the newest message.
  useEffect(() => {
    const element = list.current;
    if (element && typeof element.scrollTo === 'function') {
      element.scrollTo({ top: element.scrollHeight });
    }
  }, [props.messages.length, props.expanded]);

  const send = async (): Promise<void> => {
    if (sending) {
      return;
    }
    const checked = checkChatText(text);
    if (!checked.ok) {
      setError(checked.reason === 'too-long' ? t('chat.tooLong', { max: MAX_CHAT_TEXT_CHARS }) : null);
      return;
    }
    setSending(true);
    setError(null);
    try {
      await props.onSend(checked.text);
      setText('');
    } catch {
      setError(t('chat.sendFailed'));
    } finally {
      setSending(false);
      input.current?.focus();
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    void send();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    // Enter sends, Shift+Enter starts a new line (as in most chats).
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      props.onClose();
    }
  };

  const remaining = MAX_CHAT_TEXT_CHARS - text.length;
  const shown = props.expanded ? props.messages : props.messages.slice(-1);

  return (
    <section
      className={`chat ${props.expanded ? 'chat-expanded' : 'chat-collapsed'}`}
      id={props.id}
      aria-labelledby={ids.heading}
      data-testid="chat-panel"
      data-expanded={props.expanded}
    >
      <div className="chat-header">
        <h2 id={ids.heading}>{t('chat.title')}</h2>
        {props.expanded ? (
          <button type="button" className="button button-small" onClick={props.onClose}>
            {t('chat.close')}
          </button>
        ) : null}
      </div>
      {props.messages.length === 0 ? <p className="hint">{t('chat.empty')}</p> : null}
      <ol
        className="chat-messages"
        ref={list}
        aria-labelledby={ids.heading}
        {...(props.expanded && props.messages.length > 0 ? { tabIndex: 0 } : {})}
      >
        {shown.map((message) => (
          <li
            key={message.id}
            className={`chat-message chat-${message.state}${message.own ? ' chat-own' : ''}`}
            data-testid="chat-message"
            data-from={message.from}
            data-state={message.state}
          >
            <p className="chat-meta">
              <span className="chat-author">
                {message.own ? t('chat.you') : (message.fromName ?? t('chat.unknownSender'))}
              </span>{' '}
              <time dateTime={new Date(message.sentAt).toISOString()}>{time.format(message.sentAt)}</time>
            </p>
            {message.state === 'ok' ? (
              <p className="chat-text">{message.text}</p>
            ) : (
              <p className="chat-text chat-failed-text">{t('chat.failed')}</p>
            )}
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={submit} noValidate hidden={!props.expanded}>
        <label htmlFor={ids.input}>{t('chat.inputLabel')}</label>
        <p className="hint" id={ids.hint}>
          {t('chat.inputHint', { max: MAX_CHAT_TEXT_CHARS })}
        </p>
        <textarea
          ref={input}
          id={ids.input}
          rows={2}
          maxLength={MAX_CHAT_TEXT_CHARS}
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          onKeyDown={onKeyDown}
          aria-describedby={error ? `${ids.hint} ${ids.error}` : ids.hint}
          aria-invalid={error !== null}
          data-testid="chat-input"
        />
        <div className="chat-actions">
          <span className="chat-remaining" aria-hidden={remaining > 200}>
            {remaining <= 200 ? t('chat.remaining', { count: remaining }) : ''}
          </span>
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={sending}
            data-testid="chat-send"
          >
            {t('chat.send')}
          </button>
        </div>
        {error ? (
          <p className="notice notice-error" id={ids.error} role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
