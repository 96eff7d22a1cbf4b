import { expect, test, type Page } from '@playwright/test';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';
import {
  capturedKeys,
  closeJoinedContexts,
  expectDecoding,
  joinAs,
  memberIdOf,
  progress,
} from '../support/meeting.ts';

test.afterEach(closeJoinedContexts);

/** What the page's E2EE layer holds: our sender epoch, and the epochs of each member's keys. */
interface E2eeHeld {
  senderEpoch: number | null;
  receivers: Array<{ memberId: string; epochs: number[] }>;
}

async function e2eeHeld(page: Page): Promise<E2eeHeld> {
  return page.evaluate(async () => {
    const hooks = (window as unknown as { __meeting?: { getE2eeStats(): Promise<E2eeHeld> } }).__meeting;
    if (!hooks) {
      throw new Error('window.__meeting is missing');
    }
    const stats = await hooks.getE2eeStats();
    return { senderEpoch: stats.senderEpoch, receivers: stats.receivers };
  });
}

function epochsOf(held: E2eeHeld, memberId: string): number[] {
  return held.receivers.find((r) => r.memberId === memberId)?.epochs ?? [];
}

/** Inbound streams the page consumes now (none while it waits in the lobby). */
async function inboundCount(page: Page): Promise<number> {
  return page.evaluate(async () => (await window.__meeting?.getStats())?.length ?? 0);
}

/**
 * Deliberation in camera in an ordinary meeting: the host sends a participant
 * back to the waiting room. The page goes to the waiting screen without a
 * reload or an error; meanwhile it consumes nothing and never holds the fresh
 * key the others switched to (which the host holds: the negative control);
 * the host and the other participant keep seeing each other. Admitted again,
 * the participant decodes the others and is decoded, and still never held
 * the key used while they were out.
 */
test('a host sends a participant to the waiting room and brings them back; meanwhile they get no media and no key', async ({
  browser,
}) => {
  const account = createOrganiser(`jury-${Date.now()}@example.fr`, 'Présidente Roux');
  const hostContext = await browser.newContext();
  const host = await hostContext.newPage();
  host.on('pageerror', (error) => process.stderr.write(`[host] page error: ${error.message}\n`));
  await signIn(host, account);
  await host.getByTestId('meeting-title-input').fill('Jury de soutenance');
  await host.getByTestId('meeting-kind-select').selectOption('meeting');
  await host.getByTestId('create-meeting-submit').click();
  await expect(host.getByTestId('organiser-meeting')).toBeVisible();
  await host.getByTestId('invite-shared').check();
  await host.getByTestId('invite-level-1').check();
  await host.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(host, 'invite-link');
  await host.getByTestId('host-join-link').click();
  await host.getByTestId('display-name-input').fill('Présidente Roux');
  await host.getByTestId('join-button').click();
  await expect(host.getByTestId('leave-button')).toBeVisible();

  const alice = await joinAs(browser, inviteLink, 'Alice');
  const bruno = await joinAs(browser, inviteLink, 'Bruno');
  const errors: string[] = [];
  bruno.on('pageerror', (error) => errors.push(error.message));
  const aliceId = await memberIdOf(host, 'Alice');
  const brunoId = await memberIdOf(host, 'Bruno');
  const hostId = await memberIdOf(alice, 'Présidente Roux');
  await expectDecoding(bruno, aliceId, 'camera', 'video');
  await expectDecoding(host, brunoId, 'camera', 'video');
  const epochBefore = (await e2eeHeld(alice)).senderEpoch;
  expect(epochBefore).not.toBeNull();

  // The host sends Bruno out, through the participants panel and the app's confirmation.
  const row = host.locator(`[data-testid="participants-list"] li[data-member-id="${brunoId}"]`);
  await row.getByTestId('moderation-menu').locator('summary').click();
  await row.getByTestId('moderate-send-to-lobby').click();
  await host.getByRole('dialog').getByTestId('confirm-dialog-confirm').click();

  // Bruno's page shows the waiting room, with the reason, in place (no end, no error, no reload).
  const waiting = bruno.getByTestId('lobby-waiting');
  await expect(waiting).toBeVisible();
  await expect(waiting).toHaveAttribute('data-reason', 'deliberation');
  await expect(waiting).toContainText('huis clos');
  await expect(bruno.getByTestId('meeting-ended')).toHaveCount(0);
  await expect(bruno.getByTestId('join-error')).toHaveCount(0);
  // The host sees him waiting; the others no longer see his tile.
  await expect(host.locator(`[data-testid="lobby-entry"][data-member-id="${brunoId}"]`)).toBeVisible();
  for (const page of [host, alice]) {
    await expect(page.locator(`[data-testid="tile"][data-member-id="${brunoId}"]`)).toHaveCount(0);
  }

  // Alice switched to a fresh key, and the host holds it (the negative control of what follows).
  await expect
    .poll(async () => (await e2eeHeld(alice)).senderEpoch, { timeout: 20_000 })
    .not.toBe(epochBefore);
  const deliberationEpoch = (await e2eeHeld(alice)).senderEpoch!;
  await expect
    .poll(async () => epochsOf(await e2eeHeld(host), aliceId), { timeout: 10_000 })
    .toContain(deliberationEpoch);
  const aliceKey = (await capturedKeys(alice)).find(
    (k) => k.memberId === undefined && k.epoch === deliberationEpoch,
  );
  expect(aliceKey, 'Alice handed her new sender key to her worker').toBeDefined();

  // Bruno holds no key of that epoch, and never received its bytes.
  const brunoHeld = await e2eeHeld(bruno);
  expect(epochsOf(brunoHeld, aliceId)).toEqual([]);
  const brunoKeys = await capturedKeys(bruno);
  expect(brunoKeys.filter((k) => k.memberId === aliceId).map((k) => k.epoch)).not.toContain(
    deliberationEpoch,
  );
  expect(brunoKeys.some((k) => k.key.join() === aliceKey!.key.join())).toBe(false);
  // He consumes nothing: no inbound stream, no frame decoded.
  expect(await inboundCount(bruno)).toBe(0);
  const meanwhile = await progress(bruno, aliceId, 'camera', 'video', 2_000);
  expect(meanwhile.delta, JSON.stringify(meanwhile)).toBe(0);
  expect(await inboundCount(bruno)).toBe(0);
  // The room goes on: Alice and the host decode each other.
  await expectDecoding(alice, hostId, 'camera', 'video');
  await expectDecoding(host, aliceId, 'camera', 'video');

  // The host lets him back in: he enters as a first time, and media flows both ways again.
  await host
    .locator(`[data-testid="lobby-entry"][data-member-id="${brunoId}"]`)
    .getByTestId('lobby-admit')
    .click();
  await expect(bruno.getByTestId('leave-button')).toBeVisible();
  // New transports and streams: the first seconds may run on the lowest layer, so the steady
  // rate is measured again until it holds (bounded).
  await expect(() => expectDecoding(bruno, aliceId, 'camera', 'video')).toPass({ timeout: 45_000 });
  await expect(() => expectDecoding(host, brunoId, 'camera', 'video')).toPass({ timeout: 45_000 });
  // Back in, he holds Alice's current key only: never the one used while he was out.
  const after = await capturedKeys(bruno);
  expect(after.some((k) => k.key.join() === aliceKey!.key.join())).toBe(false);
  expect(errors).toEqual([]);
  await hostContext.close();
});
