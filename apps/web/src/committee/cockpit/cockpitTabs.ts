/** The cockpit's tabs, in the order they are shown (and numbered for Alt+Shift+1…5). */
export const COCKPIT_TABS = ['agenda', 'floor', 'vote', 'minutes', 'record'] as const;

export type CockpitTab = (typeof COCKPIT_TABS)[number];

export function isCockpitTab(value: string): value is CockpitTab {
  return (COCKPIT_TABS as readonly string[]).includes(value);
}

/**
 * The tab a key moves to in the tab list (WAI-ARIA tabs pattern: arrows wrap
 * around, Home and End go to the ends); null for any other key.
 */
export function tabForKey(current: CockpitTab, key: string): CockpitTab | null {
  const index = COCKPIT_TABS.indexOf(current);
  const count = COCKPIT_TABS.length;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return COCKPIT_TABS[(index + 1) % count] ?? null;
    case 'ArrowLeft':
    case 'ArrowUp':
      return COCKPIT_TABS[(index - 1 + count) % count] ?? null;
    case 'Home':
      return COCKPIT_TABS[0];
    case 'End':
      return COCKPIT_TABS[count - 1] ?? null;
    default:
      return null;
  }
}
