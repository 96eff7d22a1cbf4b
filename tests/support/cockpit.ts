import { expect, type Page } from '@playwright/test';

/** The committee cockpit's tabs (apps/web/src/committee/cockpit/cockpitTabs.ts). */
export type CockpitTab = 'agenda' | 'floor' | 'vote' | 'minutes' | 'record';

/**
 * Shows a tab of the committee cockpit, as a person clicks it before using a
 * control there (the others' controls are hidden). Does nothing if it is shown.
 */
export async function openCockpitTab(page: Page, tab: CockpitTab): Promise<void> {
  const button = page.getByTestId(`cockpit-tab-${tab}`);
  if ((await button.getAttribute('aria-selected')) !== 'true') {
    await button.click();
  }
  await expect(button).toHaveAttribute('aria-selected', 'true');
}
