import { expect, test, type Page } from '@playwright/test';
import { closeJoinedContexts, joinAs, memberIdOf } from '../support/meeting.ts';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';

test.afterEach(closeJoinedContexts);

/** How long a microphone must stay silent to count as flat (the bounded wait). */
const FLAT_MS = 3_000;

interface AudioFigures {
  /** The chair's consumer of the member's microphone exists. */
  present: boolean;
  packetsReceived: number;
  totalSamplesReceived: number;
}

/** What `viewer` receives of `memberId`'s microphone now (inbound-rtp audio, window.__meeting). */
async function microphoneAt(viewer: Page, memberId: string): Promise<AudioFigures> {
  const stats = await viewer.evaluate(async () => {
    if (!window.__meeting) {
      throw new Error('window.__meeting is missing: build with VITE_TEST_HOOKS=true');
    }
    return window.__meeting.getStats();
  });
  const stat = stats.find(
    (s) => s.memberId === memberId && s.source === 'microphone' && s.kind === 'audio',
  ) as { packetsReceived?: number; totalSamplesReceived?: number } | undefined;
  return {
    present: stat !== undefined,
    packetsReceived: stat?.packetsReceived ?? 0,
    totalSamplesReceived: stat?.totalSamplesReceived ?? 0,
  };
}

/** The change of both counters over `ms` (the consumer must exist: an absent stream proves nothing). */
async function overWindow(
  viewer: Page,
  memberId: string,
  ms: number,
): Promise<{ packets: number; samples: number }> {
  const before = await microphoneAt(viewer, memberId);
  expect(before.present, 'the chair consumes the member’s microphone').toBe(true);
  await viewer.waitForTimeout(ms);
  const after = await microphoneAt(viewer, memberId);
  return {
    packets: after.packetsReceived - before.packetsReceived,
    samples: after.totalSamplesReceived - before.totalSamplesReceived,
  };
}

/** Waits until no packet arrives for a second (those in flight when the server paused are done). */
async function settled(viewer: Page, memberId: string): Promise<void> {
  await expect
    .poll(async () => (await overWindow(viewer, memberId, 1_000)).packets, {
      timeout: 15_000,
      message: 'the member’s microphone never stopped reaching the chair',
    })
    .toBe(0);
}

/** The cockpit may keep the floor in a tab: opens it if there is one. */
async function floorTab(page: Page): Promise<void> {
  const tab = page.getByTestId('cockpit-tab-floor');
  if ((await tab.count()) > 0) {
    await tab.click();
  }
}

/**
 * Issue 15, who speaks: in a committee session a member joins muted and cannot open the microphone
 * without the floor (the server holds it paused: nothing reaches the chair, even after pressing
 * the button); given the floor, the audio flows; withdrawn, it stops again. The chair's free
 * discussion and mute all act on the member too.
 */
test('a committee member speaks only with the floor: the server holds the microphone', async ({
  browser,
}) => {
  const account = createOrganiser(`parole-${Date.now()}@example.fr`, 'Présidente Morel');
  const chairContext = await browser.newContext();
  const chair = await chairContext.newPage();
  chair.on('pageerror', (error) => process.stderr.write(`[chair] page error: ${error.message}\n`));
  await signIn(chair, account);
  await chair.getByTestId('meeting-title-input').fill('Commission des lois');
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-1').check();
  await chair.getByTestId('invite-submit').click();
  const invite = new URL(await shownValue(chair, 'invite-link'));
  await chair.getByTestId('host-join-link').click();
  await chair.getByTestId('display-name-input').fill('Présidente Morel');
  await chair.getByTestId('join-button').click();
  await expect(chair.getByTestId('leave-button')).toBeVisible();

  // The member joins with the microphone on (the join page's default): the server holds it paused.
  const member = await joinAs(browser, invite.pathname + invite.hash, 'Membre Garnier');
  const memberId = await memberIdOf(chair, 'Membre Garnier');
  const mic = member.getByTestId('toggle-mic');
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  await expect(mic).toHaveAttribute('data-needs-floor', 'true');
  await expect
    .poll(async () => (await microphoneAt(chair, memberId)).present, { timeout: 20_000 })
    .toBe(true);

  // Pressing the microphone without the floor: a message, the microphone stays closed, nothing flows.
  await mic.click();
  await expect(member.getByTestId('mic-needs-floor')).toBeVisible();
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  const silent = await overWindow(chair, memberId, FLAT_MS);
  process.stdout.write(
    `  no floor: +${silent.packets} packets, +${silent.samples} samples in ${FLAT_MS} ms\n`,
  );
  // Nothing ever reached the chair: both counters stay flat (no stream started, no concealment).
  expect(silent.packets).toBe(0);
  expect(silent.samples).toBe(0);

  // The member asks for the floor; the chair gives it to the first hand: the audio flows.
  await member.getByTestId('controls-raise-hand').click();
  await floorTab(chair);
  await expect(chair.locator(`[data-testid="floor-queue-entry"][data-member-id="${memberId}"]`)).toHaveCount(
    1,
  );
  await chair.getByTestId('give-floor-next').click();
  await expect(mic).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => (await overWindow(chair, memberId, 1_000)).samples, {
      timeout: 20_000,
      message: 'the member’s audio never reached the chair with the floor',
    })
    .toBeGreaterThan(0);
  const speaking = await overWindow(chair, memberId, FLAT_MS);
  process.stdout.write(
    `  floor: +${speaking.packets} packets, +${speaking.samples} samples in ${FLAT_MS} ms\n`,
  );
  // 48 kHz: a quarter of what 3 s carry, and packets every 20 ms (DTX may thin them on silence).
  expect(speaking.samples).toBeGreaterThanOrEqual(36_000);
  expect(speaking.packets).toBeGreaterThan(10);

  // Withdrawn: the microphone shows off and nothing reaches the chair any more.
  await chair.getByTestId('withdraw-floor').click();
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  await settled(chair, memberId);
  const withdrawn = await overWindow(chair, memberId, FLAT_MS);
  process.stdout.write(
    `  withdrawn: +${withdrawn.packets} packets, +${withdrawn.samples} samples in ${FLAT_MS} ms\n`,
  );
  // No packet arrives any more. Chromium's totalSamplesReceived keeps rising here (concealment
  // samples of a stream that has started and gone quiet), so packetsReceived is what tells.
  expect(withdrawn.packets).toBe(0);

  // Free discussion lets the member open the microphone; mute all closes it again.
  const free = chair.getByTestId('floor-free-discussion');
  await free.click();
  await expect(free).toHaveAttribute('aria-pressed', 'true');
  await expect(mic).toHaveAttribute('data-needs-floor', 'false');
  await mic.click();
  await expect(mic).toHaveAttribute('aria-pressed', 'true');
  await chair.getByTestId('mute-all').click();
  await expect(chair.getByTestId('mute-all-result')).toBeVisible();
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  await free.click();
  await expect(free).toHaveAttribute('aria-pressed', 'false');
  await expect(mic).toHaveAttribute('data-needs-floor', 'true');
  await chairContext.close();
});
