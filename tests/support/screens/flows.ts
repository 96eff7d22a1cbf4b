import { expect, type Dialog, type Locator, type Page } from '@playwright/test';
import { shownValue } from '../organiser.ts';

/** Waits until a join page is ready to be seen: the form and the camera preview. */
export async function joinPageReady(page: Page): Promise<void> {
  await expect(page.getByTestId('display-name-input')).toBeVisible();
  await expect(page.getByTestId('local-video')).toBeVisible();
}

/** Fills the join form on the page as it is and joins (host or guest). */
export async function joinHere(page: Page, name: string): Promise<void> {
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
}

/** Creates a meeting from the dashboard's form; the page lands on the meeting's page. Returns its id. */
export async function createMeetingFromDashboard(
  page: Page,
  title: string,
  kind: 'consultation' | 'committee',
): Promise<string> {
  await page.getByTestId('meeting-title-input').fill(title);
  await page.getByTestId('meeting-kind-select').selectOption(kind);
  await page.getByTestId('create-meeting-submit').click();
  await expect(page.getByTestId('organiser-meeting')).toBeVisible();
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Makes an invitation from the meeting page's form and returns its link (path and fragment). */
export async function makeInvite(page: Page, options: { label?: string; level: 1 | 2 | 3 }): Promise<string> {
  const again = page.getByTestId('new-invite-again');
  if (await again.isVisible()) {
    await again.click();
  }
  if (options.label) {
    await page.getByTestId('invite-personal').check();
    await page.getByTestId('invite-label').fill(options.label);
  } else {
    await page.getByTestId('invite-shared').check();
  }
  await page.getByTestId(`invite-level-${options.level}`).check();
  await page.getByTestId('invite-submit').click();
  const link = new URL(await shownValue(page, 'invite-link'));
  return link.pathname + link.hash;
}

export type Confirmation = { kind: 'app'; dialog: Locator } | { kind: 'window.confirm'; message: string };

/**
 * Presses a button that asks for confirmation and tells which kind of
 * question the person got: the app's own dialog, or the browser's
 * window.confirm (dismissed here, so nothing happens).
 */
export async function askConfirmation(page: Page, trigger: Locator): Promise<Confirmation> {
  let native: string | null = null;
  const onDialog = (dialog: Dialog): void => {
    native = dialog.message();
    void dialog.dismiss();
  };
  page.on('dialog', onDialog);
  const appDialog = page.locator('dialog[open], [role="dialog"], [role="alertdialog"]');
  try {
    await trigger.click();
    await expect
      .poll(async () => native !== null || (await appDialog.count()) > 0, {
        timeout: 5_000,
        message: 'pressing the button asked no question at all',
      })
      .toBe(true);
  } finally {
    page.off('dialog', onDialog);
  }
  return native !== null
    ? { kind: 'window.confirm', message: native }
    : { kind: 'app', dialog: appDialog.first() };
}
