import { describe, expect, it } from 'vitest';
import { committeeState } from '../testFixtures.ts';
import { COCKPIT_TABS, tabForKey } from './cockpitTabs.ts';
import { nextItemStep } from './nextItem.ts';
import { ariaKeysFor, shortcutFor, SHORTCUTS, type KeyPress } from './shortcuts.ts';

function press(key: string, extra: Partial<KeyPress> = {}): KeyPress {
  const code = /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : /^\d$/.test(key) ? `Digit${key}` : key;
  return { key, code, altKey: true, shiftKey: true, ctrlKey: false, metaKey: false, ...extra };
}

const chair = { chair: true, voter: true };
const member = { chair: false, voter: true };
const observer = { chair: false, voter: false };

describe('cockpit tabs', () => {
  it('move with the arrows (wrapping round), Home and End; other keys do nothing', () => {
    expect(tabForKey('agenda', 'ArrowRight')).toBe('floor');
    expect(tabForKey('agenda', 'ArrowLeft')).toBe('record');
    expect(tabForKey('record', 'ArrowRight')).toBe('agenda');
    expect(tabForKey('vote', 'Home')).toBe('agenda');
    expect(tabForKey('vote', 'End')).toBe('record');
    expect(tabForKey('vote', 'Enter')).toBeNull();
    expect(tabForKey('vote', 'a')).toBeNull();
  });
});

describe('cockpit shortcuts', () => {
  it('give the chair Alt+Shift with a letter, whatever the case the browser reports', () => {
    expect(shortcutFor(press('N'), chair)?.action).toEqual({ type: 'nextItem' });
    expect(shortcutFor(press('n'), chair)?.action).toEqual({ type: 'nextItem' });
    expect(shortcutFor(press('G'), chair)?.action).toEqual({ type: 'giveNext' });
    expect(shortcutFor(press('W'), chair)?.action).toEqual({ type: 'withdraw' });
    expect(shortcutFor(press('V'), chair)?.action).toEqual({ type: 'vote' });
    expect(shortcutFor(press('M'), chair)?.action).toEqual({ type: 'muteAll' });
  });

  it('read the key by its position when Alt made another character of it (macOS Option)', () => {
    expect(shortcutFor(press('˜', { code: 'KeyN' }), chair)?.action).toEqual({ type: 'nextItem' });
    expect(shortcutFor(press('⁄', { code: 'Digit1' }), member)?.action).toEqual({
      type: 'tab',
      tab: 'agenda',
    });
  });

  it('need both Alt and Shift and no other modifier', () => {
    expect(shortcutFor(press('N', { shiftKey: false }), chair)).toBeNull();
    expect(shortcutFor(press('N', { altKey: false }), chair)).toBeNull();
    expect(shortcutFor(press('N', { ctrlKey: true }), chair)).toBeNull();
    expect(shortcutFor(press('N', { metaKey: true }), chair)).toBeNull();
    expect(shortcutFor(press('Q'), chair)).toBeNull();
  });

  it('leave the chair’s actions to the chair, the hand to voters, tabs and help to everyone', () => {
    for (const key of ['N', 'G', 'W', 'V', 'M']) {
      expect(shortcutFor(press(key), member), key).toBeNull();
    }
    expect(shortcutFor(press('R'), member)?.action).toEqual({ type: 'hand' });
    expect(shortcutFor(press('R'), observer)).toBeNull();
    expect(shortcutFor(press('H'), observer)?.action).toEqual({ type: 'help' });
    COCKPIT_TABS.forEach((tab, index) => {
      expect(shortcutFor(press(String(index + 1)), observer)?.action).toEqual({ type: 'tab', tab });
    });
  });

  it('are one key each, none taken by Chromium’s own Alt+Shift shortcuts', () => {
    const keys = SHORTCUTS.map((shortcut) => shortcut.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const taken of ['T', 'B', 'I', 'A']) {
      expect(keys).not.toContain(taken);
    }
    expect(ariaKeysFor('nextItem')).toBe('Alt+Shift+N');
    expect(ariaKeysFor('tab', 'vote')).toBe('Alt+Shift+3');
  });
});

describe('next agenda item', () => {
  it('opens the item after the current one', () => {
    expect(nextItemStep(committeeState())).toEqual({ kind: 'open', itemId: 'itemMisc00000001' });
  });

  it('closes the last item when it is the current one', () => {
    expect(nextItemStep(committeeState({ currentItemId: 'itemMisc00000001' }))).toEqual({
      kind: 'close',
      itemId: 'itemMisc00000001',
    });
  });

  it('with none open, opens the first item not yet examined; with none left, does nothing', () => {
    const state = committeeState({ currentItemId: null, currentSince: null });
    expect(nextItemStep(state)).toEqual({ kind: 'open', itemId: 'itemMisc00000001' });
    const done = { ...state, agenda: state.agenda.map((item) => ({ ...item, status: 'closed' as const })) };
    expect(nextItemStep(done)).toBeNull();
  });
});
