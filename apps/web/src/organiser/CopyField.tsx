import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** How long "copied" stays visible. */
const COPIED_FEEDBACK_MS = 2_500;

/**
 * A value to hand over (an invite link, a passcode, an enrolment link, a TOTP
 * key), shown in full as text with its own copy button. Without clipboard
 * access the text is selected for a manual copy, and the page says so.
 */
export function CopyField(props: {
  label: string;
  value: string;
  /** What is shown, when it differs from what is copied (a key grouped by 4). */
  display?: string;
  hint?: ReactNode;
  copyLabel: string;
  valueTestId: string;
  copyTestId: string;
  variant?: 'link' | 'code';
}): ReactNode {
  const { t } = useTranslation();
  const ids = { label: useId(), hint: useId() };
  const valueRef = useRef<HTMLElement>(null);
  const [feedback, setFeedback] = useState<'copied' | 'manual' | null>(null);

  useEffect(() => {
    if (feedback !== 'copied') {
      return undefined;
    }
    const timer = setTimeout(() => setFeedback(null), COPIED_FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [feedback]);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.value);
      setFeedback('copied');
    } catch {
      // No clipboard (insecure context, denied): select the text for Ctrl+C.
      const element = valueRef.current;
      const selection = window.getSelection();
      if (element && selection) {
        selection.selectAllChildren(element);
      }
      setFeedback('manual');
    }
  };

  return (
    <div
      className={`copy-field copy-field-${props.variant ?? 'link'}`}
      role="group"
      aria-labelledby={ids.label}
      aria-describedby={props.hint ? ids.hint : undefined}
    >
      <p className="copy-field-label" id={ids.label}>
        {props.label}
      </p>
      {props.hint ? (
        <p className="hint" id={ids.hint}>
          {props.hint}
        </p>
      ) : null}
      <div className="copy-field-row">
        <code
          ref={valueRef}
          className="copy-field-value"
          data-testid={props.valueTestId}
          data-value={props.value}
        >
          {props.display ?? props.value}
        </code>
        <button type="button" className="button" data-testid={props.copyTestId} onClick={() => void copy()}>
          {props.copyLabel}
        </button>
      </div>
      <p className="copy-feedback" role="status">
        {feedback === 'copied'
          ? t('organiser.common.copied')
          : feedback === 'manual'
            ? t('organiser.common.copyManually')
            : ''}
      </p>
    </div>
  );
}
