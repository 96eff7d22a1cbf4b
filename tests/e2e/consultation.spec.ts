import { expect, test, type Browser, type Page } from '@playwright/test';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';
import { closeJoinedContexts, expectDecoding, memberIdOf, progress } from '../support/meeting.ts';

test.afterEach(closeJoinedContexts);

async function guestPage(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  return page;
}

/**
 * Issue 4's whole path: a lawyer signs in (password + TOTP), creates a
 * consultation and a personal level-3 invite with a passcode; the client
 * opens the link in another browser, gets the passcode wrong, then right,
 * waits in the lobby; the lawyer admits; both decode each other's video.
 * Then the lawyer removes the client, who can come back neither with the
 * old token nor with the old link; a revoked link is refused; passcode
 * guesses are rate-limited.
 */
test('an organiser signs in, invites a client with a passcode, admits them from the lobby, then removes them', async ({
  browser,
}) => {
  const account = createOrganiser(`avocate-${Date.now()}@example.fr`);

  // The lawyer signs in and creates a consultation.
  const lawyerContext = await browser.newContext();
  const lawyer = await lawyerContext.newPage();
  lawyer.on('dialog', (dialog) => void dialog.accept());
  await signIn(lawyer, account);
  await lawyer.getByTestId('meeting-title-input').fill('Consultation dossier 2026-117');
  await lawyer.getByTestId('meeting-kind-select').selectOption('consultation');
  await lawyer.getByTestId('create-meeting-submit').click();
  await expect(lawyer.getByTestId('organiser-meeting')).toBeVisible();

  // A personal invite, level 3 (lobby) with a passcode given by phone.
  await lawyer.getByTestId('invite-personal').check();
  await lawyer.getByTestId('invite-label').fill('Client Martin');
  await lawyer.getByTestId('invite-level-3').check();
  await lawyer.getByTestId('invite-lobby-passcode').check();
  await lawyer.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(lawyer, 'invite-link');
  const passcode = await shownValue(lawyer, 'invite-passcode');
  expect(inviteLink).toMatch(/\/i\/[A-Za-z0-9_-]{22,}#k=[A-Za-z0-9_-]+$/);
  expect(passcode).toMatch(/^\d{8}$/);
  // The passcode travels another way: never in the link.
  expect(inviteLink).not.toContain(passcode);

  // A second, shared invite (level 1), revoked below.
  await lawyer.getByTestId('new-invite-again').click();
  await lawyer.getByTestId('invite-shared').check();
  await lawyer.getByTestId('invite-level-1').check();
  await lawyer.getByTestId('invite-submit').click();
  const sharedLink = await shownValue(lawyer, 'invite-link');

  // The lawyer joins as host.
  await lawyer.getByTestId('host-join-link').click();
  await expect(lawyer.getByTestId('join-as-host')).toBeVisible();
  await lawyer.getByTestId('display-name-input').fill('Me Durand');
  await lawyer.getByTestId('join-button').click();
  await expect(lawyer.getByTestId('leave-button')).toBeVisible();
  await expect(lawyer.getByTestId('lobby-panel')).toBeVisible();

  // The client opens the link; a wrong passcode is refused.
  const client = await guestPage(browser, 'client');
  await client.goto(inviteLink);
  await expect(client.getByTestId('invite-meeting')).toContainText('Consultation dossier 2026-117');
  await client.getByTestId('display-name-input').fill('Client Martin');
  const wrong = passcode === '00000000' ? '11111111' : '00000000';
  await client.getByTestId('passcode-input').fill(wrong);
  await client.getByTestId('join-button').click();
  await expect(client.getByTestId('join-error')).toBeVisible();
  await expect(client.getByTestId('lobby-waiting')).toHaveCount(0);

  // The right passcode: the client waits in the lobby, with nothing of the meeting.
  await client.getByTestId('passcode-input').fill(passcode);
  await client.getByTestId('join-button').click();
  await expect(client.getByTestId('lobby-waiting')).toBeVisible();
  await expect(client.getByTestId('lobby-waiting')).toHaveAttribute('data-reason', 'admission');
  await client.waitForTimeout(1_500);
  await expect(client.getByTestId('lobby-waiting')).toBeVisible();
  await expect(client.getByTestId('tile')).toHaveCount(0);

  // The lawyer sees the client waiting and admits them.
  const entry = lawyer.getByTestId('lobby-entry');
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('Client Martin');
  await entry.getByTestId('lobby-admit').click();
  await expect(client.getByTestId('leave-button')).toBeVisible();
  await expect(lawyer.getByTestId('lobby-entry')).toHaveCount(0);

  // Both decode each other's camera (end-to-end encrypted).
  const clientId = await memberIdOf(lawyer, 'Client Martin');
  const lawyerId = await memberIdOf(client, 'Me Durand');
  await expectDecoding(lawyer, clientId, 'camera', 'video');
  await expectDecoding(client, lawyerId, 'camera', 'video');

  // The lawyer removes the client.
  const row = lawyer.locator(`[data-testid="participants-list"] li[data-member-id="${clientId}"]`);
  await row.getByTestId('moderation-menu').locator('summary').click();
  await row.getByTestId('moderate-remove').click();
  // The app's own confirmation (not window.confirm) names the person and the consequence.
  await lawyer.getByRole('dialog').getByTestId('confirm-dialog-confirm').click();
  await expect(client.getByTestId('meeting-ended')).toHaveAttribute('data-end-reason', 'removed');
  await expect(lawyer.locator(`[data-testid="tile"][data-member-id="${clientId}"]`)).toHaveCount(0);
  // Negative control of the decoding measure: nothing of the client arrives any more.
  expect((await progress(lawyer, clientId, 'camera', 'video', 2_000)).delta).toBe(0);

  // No way back is offered (it could only be refused); reloading the link ends on its dead end.
  await expect(client.getByTestId('rejoin-button')).toHaveCount(0);
  await client.reload();
  await expect(client.getByTestId('join-error')).toBeVisible();
  await expect(client.getByTestId('lobby-waiting')).toHaveCount(0);

  // The old link (a personal link, revoked with its holder) is refused too.
  const again = await guestPage(browser, 'client-again');
  await again.goto(inviteLink);
  // The invite page already says the link is no longer valid.
  await expect(again.getByTestId('join-error')).toBeVisible();
  await expect(again.getByTestId('lobby-waiting')).toHaveCount(0);
  const redeemed = await again.request.post(
    `${new URL(inviteLink).pathname.replace('/i/', '/api/invites/')}/join-tokens`,
    {
      data: { displayName: 'Client Martin', passcode },
    },
  );
  expect(redeemed.status()).toBe(404);
  expect(((await redeemed.json()) as { reason: string }).reason).toBe('invite-invalid');

  // The shared link works until the lawyer revokes it; then it is refused.
  const sharedPath = new URL(sharedLink).pathname.replace('/i/', '/api/invites/');
  expect((await again.request.get(sharedPath)).status()).toBe(200);
  await lawyer.goto('/organisateur');
  await lawyer.getByTestId('meeting-link').first().click();
  const sharedRow = lawyer.locator(
    `[data-testid="invite-row"][data-invite-id="${sharedPath.split('/').pop()!}"]`,
  );
  await sharedRow.getByTestId('revoke-invite').click();
  await expect(sharedRow).toHaveAttribute('data-state', 'revoked');
  const revoked = await again.request.get(sharedPath);
  expect(revoked.status()).toBe(404);
  const sharedGuest = await guestPage(browser, 'shared-guest');
  await sharedGuest.goto(sharedLink);
  await expect(sharedGuest.getByTestId('join-error')).toBeVisible();

  await Promise.all([
    lawyerContext.close(),
    client.context().close(),
    again.context().close(),
    sharedGuest.context().close(),
  ]);
});

test('wrong passcodes are rate-limited: after five, even the right one is refused for a while', async ({
  browser,
}) => {
  const account = createOrganiser(`greffe-${Date.now()}@example.fr`);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, account);
  await page.getByTestId('meeting-title-input').fill('Audience de conciliation');
  await page.getByTestId('create-meeting-submit').click();
  await expect(page.getByTestId('organiser-meeting')).toBeVisible();
  await page.getByTestId('invite-shared').check();
  await page.getByTestId('invite-level-2').check();
  await page.getByTestId('invite-submit').click();
  const link = await shownValue(page, 'invite-link');
  const passcode = await shownValue(page, 'invite-passcode');
  const path = `${new URL(link).pathname.replace('/i/', '/api/invites/')}/join-tokens`;

  const guest = await browser.newContext();
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const wrong = String((Number(passcode.slice(0, 2)) + 1 + i) % 100).padStart(2, '0') + passcode.slice(2);
    const res = await guest.request.post(path, { data: { displayName: 'Devin', passcode: wrong } });
    statuses.push(res.status());
  }
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  expect(statuses[5]).toBe(429);
  const right = await guest.request.post(path, { data: { displayName: 'Devin', passcode } });
  expect(right.status()).toBe(429);
  expect(right.headers()['retry-after']).toBeTruthy();

  // The UI says so in plain words.
  const ui = await guest.newPage();
  await ui.goto(link);
  await ui.getByTestId('display-name-input').fill('Devin');
  await ui.getByTestId('passcode-input').fill(passcode);
  await ui.getByTestId('join-button').click();
  await expect(ui.getByTestId('join-error')).toBeVisible();
  await Promise.all([context.close(), guest.close()]);
});
