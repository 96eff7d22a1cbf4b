import type { ParseKeys } from 'i18next';
import { COCKPIT_TABS, type CockpitTab } from './cockpitTabs.ts';

/** What a shortcut does; the cockpit carries it out (cockpit/useCockpitShortcuts.ts). */
export type ShortcutAction =
  | { type: 'nextItem' }
  | { type: 'giveNext' }
  | { type: 'withdraw' }
  | { type: 'vote' }
  | { type: 'muteAll' }
  | { type: 'hand' }
  | { type: 'help' }
  | { type: 'tab'; tab: CockpitTab };

/** Who may use a shortcut: the chair runs the session, voters ask for the floor. */
export type ShortcutAudience = 'chair' | 'voter' | 'everyone';

export interface Shortcut {
  action: ShortcutAction;
  /** The key with Alt and Shift: a letter or a digit. */
  key: string;
  audience: ShortcutAudience;
  /** What it does, for the help dialog. */
  label: ParseKeys;
}

/*
 * Alt+Shift with a letter or a digit: no browser or screen reader binds these
 * (NVDA and JAWS use Insert or Caps Lock, VoiceOver Ctrl+Option; Chromium's
 * Alt+Shift+T, B, I and A, focusing toolbars or reporting, are avoided).
 */
export const SHORTCUTS: readonly Shortcut[] = [
  { action: { type: 'nextItem' }, key: 'N', audience: 'chair', label: 'committee.cockpit.keys.nextItem' },
  { action: { type: 'giveNext' }, key: 'G', audience: 'chair', label: 'committee.cockpit.keys.giveNext' },
  { action: { type: 'withdraw' }, key: 'W', audience: 'chair', label: 'committee.cockpit.keys.withdraw' },
  { action: { type: 'vote' }, key: 'V', audience: 'chair', label: 'committee.cockpit.keys.vote' },
  { action: { type: 'muteAll' }, key: 'M', audience: 'chair', label: 'committee.cockpit.keys.muteAll' },
  { action: { type: 'hand' }, key: 'R', audience: 'voter', label: 'committee.cockpit.keys.hand' },
  ...COCKPIT_TABS.map((tab, index): Shortcut => ({
    action: { type: 'tab', tab },
    key: String(index + 1),
    audience: 'everyone',
    label: `committee.cockpit.keys.tab.${tab}`,
  })),
  { action: { type: 'help' }, key: 'H', audience: 'everyone', label: 'committee.cockpit.keys.help' },
];

/** The aria-keyshortcuts value of a shortcut (« Alt+Shift+N »). */
export function ariaKeys(key: string): string {
  return `Alt+Shift+${key}`;
}

/** The aria-keyshortcuts value of the shortcut that does `type`, for the control that does the same. */
export function ariaKeysFor(type: ShortcutAction['type'], tab?: CockpitTab): string | undefined {
  const found = SHORTCUTS.find(
    (shortcut) =>
      shortcut.action.type === type &&
      (tab === undefined || ('tab' in shortcut.action && shortcut.action.tab === tab)),
  );
  return found ? ariaKeys(found.key) : undefined;
}

export interface KeyPress {
  key: string;
  code: string;
  altKey: boolean;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/**
 * The letter or digit pressed: the character on the person's layout (an
 * AZERTY keyboard's A is where a QWERTY's Q is) and, when Alt turned it into
 * another character (macOS's Option), the key's position instead.
 */
function pressedKey(press: KeyPress): string | null {
  const key = press.key.toUpperCase();
  if (/^[A-Z0-9]$/.test(key)) {
    return key;
  }
  const code = /^(?:Key([A-Z])|Digit([0-9]))$/.exec(press.code);
  return code ? (code[1] ?? code[2] ?? null) : null;
}

/** The shortcut this key press is, for someone with these rights; null for any other key. */
export function shortcutFor(press: KeyPress, rights: { chair: boolean; voter: boolean }): Shortcut | null {
  if (!press.altKey || !press.shiftKey || press.ctrlKey || press.metaKey) {
    return null;
  }
  const key = pressedKey(press);
  if (key === null) {
    return null;
  }
  return (
    SHORTCUTS.find(
      (shortcut) =>
        shortcut.key === key &&
        (shortcut.audience === 'everyone' ||
          (shortcut.audience === 'chair' && rights.chair) ||
          (shortcut.audience === 'voter' && rights.voter)),
    ) ?? null
  );
}

/** Whether a key press goes to a field being typed in (shortcuts then stay out of the way). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (typeof Element === 'undefined' || !(target instanceof Element)) {
    return false;
  }
  if (target.closest('[contenteditable=""], [contenteditable="true"]')) {
    return true;
  }
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) {
    return true;
  }
  if (target instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(
      target.type,
    );
  }
  return false;
}
