import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import './dialog.css';

/**
 * A confirmation asked in the page itself (not window.confirm, which cannot
 * be styled, translated by the app or tested): a modal <dialog> opened with
 * showModal(), so the rest of the page is inert and the focus stays inside.
 * The focus starts on « Annuler » (a destructive action needs a deliberate
 * choice), Escape cancels, and the focus returns to the control that opened it.
 * Shown while `open`; the owner sets it back to false in both callbacks.
 */
export function ConfirmDialog(props: {
  open: boolean;
  /** Names the action, as a question: « Terminer la réunion pour tous ? ». */
  title: string;
  /** Says what happens then, and whether it can be undone. */
  message: string;
  /** The confirming button's text: the action's name again (never just « OK »). */
  confirmLabel: string;
  cancelLabel?: string;
  /** The action cannot be undone: the confirming button is red. */
  danger?: boolean;
  testId?: string;
  onConfirm: () => void;
  onCancel: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const messageId = useId();
  const { open } = props;

  useEffect(() => {
    const element = dialog.current;
    if (!element) {
      return;
    }
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
      cancelButton.current?.focus();
    } else if (!open && element.open) {
      element.close();
      restoreFocus(element, opener.current);
    }
  }, [open]);

  // Unmounted while open (the meeting ended under it): give the focus back all the same.
  useEffect(() => {
    const element = dialog.current;
    return () => {
      if (element?.open) {
        element.close();
        restoreFocus(element, opener.current);
      }
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      data-testid={props.testId ?? 'confirm-dialog'}
      onCancel={(event) => {
        // Escape: the owner closes it (its state says shown or not), never the browser alone.
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={titleId} className="confirm-dialog-title">
        {props.title}
      </h2>
      <p id={messageId} className="confirm-dialog-message">
        {props.message}
      </p>
      <div className="confirm-dialog-actions">
        <button
          ref={cancelButton}
          type="button"
          className="button"
          data-testid="confirm-dialog-cancel"
          onClick={props.onCancel}
        >
          {props.cancelLabel ?? t('confirm.cancel')}
        </button>
        <button
          type="button"
          className={`button ${props.danger ? 'button-danger' : 'button-primary'}`}
          data-testid="confirm-dialog-confirm"
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Browsers differ on where the focus lands after close(): put it back on the opener when it is still there. */
function restoreFocus(dialog: HTMLDialogElement, opener: HTMLElement | null): void {
  const active = document.activeElement;
  const lost = active === null || active === document.body || dialog.contains(active);
  if (lost && opener?.isConnected) {
    opener.focus();
  }
}
