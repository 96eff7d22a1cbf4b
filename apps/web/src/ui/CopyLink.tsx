import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** How long "copied" stays visible. */
const COPIED_FEEDBACK_MS = 2_500;

/** A read-only invitation link with a copy button. */
export function CopyLink(props: { link: string; label: string; hint?: string }): ReactNode {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) {
      return undefined;
    }
    const timer = setTimeout(() => setCopied(false), COPIED_FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.link);
      setCopied(true);
    } catch {
      // No clipboard access (insecure context, denied): select it for a manual copy.
      input.current?.select();
    }
  };

  return (
    <div className="copy-link">
      <label htmlFor={id}>{props.label}</label>
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <div className="copy-link-row">
        <input
          ref={input}
          id={id}
          type="text"
          readOnly
          value={props.link}
          data-testid="invite-link"
          aria-describedby={props.hint ? `${id}-hint` : undefined}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button" data-testid="copy-link" onClick={() => void copy()}>
          {t('join.copy')}
        </button>
      </div>
      <p className="copy-feedback" role="status">
        {copied ? t('join.copied') : ''}
      </p>
    </div>
  );
}
