import { useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { checkChatText, MAX_CHAT_TEXT_CHARS } from '../../e2ee/chatLog.ts';
import { MeetingError } from '../../media/MeetingError.ts';
import { errorMessageKey } from '../../ui/errorMessages.ts';

/**
 * The box a lobby message is written in: Enter sends, Shift+Enter starts a new line. Says why a
 * message could not go (too long, nobody to write to, the server's refusal in words).
 */
export function LobbyChatComposer(props: {
  label: string;
  sendLabel: string;
  inputTestId: string;
  sendTestId: string;
  onSend: (text: string) => Promise<unknown>;
  /** Something above the box (the host's choice of addressee). */
  children?: ReactNode;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { input: useId(), hint: useId(), error: useId() };
  const input = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

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
    } catch (failure) {
      setError(`${t('lobbyChat.sendFailed')} ${t(errorMessageKey(MeetingError.from(failure).reason))}`);
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
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="chat-form lobby-chat-form" onSubmit={submit} noValidate>
      {props.children}
      <label htmlFor={ids.input}>{props.label}</label>
      <p className="hint" id={ids.hint}>
        {t('lobbyChat.inputHint', { max: MAX_CHAT_TEXT_CHARS })}
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
        data-testid={props.inputTestId}
      />
      <div className="chat-actions">
        <span />
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={sending}
          data-testid={props.sendTestId}
        >
          {props.sendLabel}
        </button>
      </div>
      {error ? (
        <p className="notice notice-error" id={ids.error} role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
