import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import '../../ui/dialog.css';
import { ariaKeys, SHORTCUTS, type ShortcutAudience } from './shortcuts.ts';

/**
 * The list of the cockpit's keyboard shortcuts this person may use, in a
 * modal <dialog> (as ui/ConfirmDialog): the focus goes to its close button,
 * Escape closes it, and the focus returns to what opened it.
 */
export function ShortcutsDialog(props: {
  open: boolean;
  rights: { chair: boolean; voter: boolean };
  onClose: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const { open } = props;

  useEffect(() => {
    const element = dialog.current;
    if (!element) {
      return;
    }
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
      closeButton.current?.focus();
    } else if (!open && element.open) {
      element.close();
      if (opener.current?.isConnected) {
        opener.current.focus();
      }
    }
  }, [open]);

  const allowed = (audience: ShortcutAudience): boolean =>
    audience === 'everyone' ||
    (audience === 'chair' && props.rights.chair) ||
    (audience === 'voter' && props.rights.voter);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog cockpit-shortcuts-dialog"
      aria-labelledby={titleId}
      data-testid="cockpit-shortcuts-dialog"
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId} className="confirm-dialog-title">
        {t('committee.cockpit.keys.title')}
      </h2>
      <p className="hint">{t('committee.cockpit.keys.hint')}</p>
      <table className="cockpit-shortcuts-table">
        <thead>
          <tr>
            <th scope="col">{t('committee.cockpit.keys.keys')}</th>
            <th scope="col">{t('committee.cockpit.keys.does')}</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.filter((shortcut) => allowed(shortcut.audience)).map((shortcut) => (
            <tr key={shortcut.key} data-testid="cockpit-shortcut" data-keys={ariaKeys(shortcut.key)}>
              <td>
                <kbd>Alt</kbd> + <kbd>{t('committee.cockpit.keys.shift')}</kbd> + <kbd>{shortcut.key}</kbd>
              </td>
              <td>{t(shortcut.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="confirm-dialog-actions">
        <button
          type="button"
          ref={closeButton}
          className="button button-primary"
          data-testid="cockpit-shortcuts-close"
          onClick={props.onClose}
        >
          {t('committee.cockpit.keys.close')}
        </button>
      </div>
    </dialog>
  );
}
