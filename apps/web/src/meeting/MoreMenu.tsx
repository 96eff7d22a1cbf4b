import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Icon } from '../ui/Icon.tsx';

/**
 * The controls bar's « Plus » button on a narrow screen: a disclosure (a
 * button with aria-expanded and the group it shows), not an ARIA menu, so
 * Tab and the screen reader's usual keys work. Escape or a tap outside closes
 * it and puts the focus back on the button. It stays open while one of its
 * actions asks for a confirmation (the dialog is outside it, in the top layer).
 */
export function MoreMenu(props: { label: string; children: ReactNode }): ReactNode {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) {
      return undefined;
    }
    const onPointerDown = (event: PointerEvent): void => {
      const target = event.target as Element | null;
      if (target && (root.current?.contains(target) || target.closest('dialog'))) {
        return;
      }
      setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    // An Escape inside a confirmation is the dialog's (React bubbles it here through the tree).
    if (event.key !== 'Escape' || (event.target as Element).closest('dialog')) {
      return;
    }
    if (open) {
      event.stopPropagation();
      setOpen(false);
      button.current?.focus();
    }
  };

  return (
    <div className="more-menu" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        className={`button control ${open ? 'control-sharing' : ''}`}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="controls-more"
        onClick={() => setOpen((was) => !was)}
      >
        <Icon name="more" />
        {props.label}
      </button>
      <div id={panelId} className="more-menu-panel" role="group" aria-label={props.label} hidden={!open}>
        {props.children}
      </div>
    </div>
  );
}
