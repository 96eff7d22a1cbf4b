import { join } from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { closeJoinedContexts, expectDecoding, memberIdOf, progress } from '../support/meeting.ts';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';
import { ROOT } from '../support/servers.ts';

/**
 * The meeting stage as people meet it: a host on a laptop (1280×800) and a
 * client on a phone (390×844, touch). The client waits in the waiting room
 * (the meeting's title, their own camera playing, the microphone's meter
 * moving), is let in and sends working media; the tiles fill the stage in the
 * grid and speaker layouts without sideways scrolling; the host's
 * confirmations are the app's own dialogs (keyboard, Escape, focus back),
 * never window.confirm; with every device off the host is told that what they
 * receive is end-to-end encrypted, not that "nothing is encrypted".
 */

const SCREENSHOTS = join(ROOT, '.tools/reports/screenshots');
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

test.afterEach(closeJoinedContexts);

interface NativeDialogs {
  /** Messages of every alert/confirm/prompt the page opened (there must be none). */
  messages: string[];
}

/** A page in its own context; any native dialog is recorded (and answered "no") so the test can fail on it. */
async function openPage(
  browser: Browser,
  name: string,
  device: 'laptop' | 'phone',
): Promise<{ page: Page; dialogs: NativeDialogs }> {
  const context = await browser.newContext(
    device === 'phone'
      ? { viewport: PHONE, hasTouch: true, isMobile: true, locale: 'fr-FR' }
      : { viewport: LAPTOP, locale: 'fr-FR' },
  );
  const page = await context.newPage();
  const dialogs: NativeDialogs = { messages: [] };
  page.on('dialog', (dialog) => {
    dialogs.messages.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  return { page, dialogs };
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  expect(box, 'element has no box').not.toBeNull();
  return box!;
}

const area = (box: Box): number => box.width * box.height;

interface StageBoxes {
  stage: Box;
  tiles: Box[];
  main: Box[];
  strip: Box[];
  /** The share of the stage that the tiles cover. */
  ratio: number;
}

/** The stage (the region « Vidéos des participants ») and its tiles' boxes, read at one instant. */
async function stageBoxes(page: Page): Promise<StageBoxes> {
  const read = await page.evaluate(() => {
    const box = (element: Element): Box => {
      const r = element.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const stage = document.querySelector('section.stage');
    return {
      stage: stage ? box(stage) : null,
      tiles: [...document.querySelectorAll('[data-testid="tile"]')].map(box),
      main: [...document.querySelectorAll('.stage-main [data-testid="tile"]')].map(box),
      strip: [...document.querySelectorAll('.filmstrip [data-testid="tile"]')].map(box),
    };
  });
  expect(read.stage, 'no stage').not.toBeNull();
  const stage = read.stage!;
  const ratio = read.tiles.reduce((sum, tile) => sum + area(tile), 0) / area(stage);
  return { ...read, stage, ratio };
}

/** No sideways scrolling, and the leave button (hence the controls bar) on screen. */
async function expectFitsAndReachable(page: Page): Promise<void> {
  const sideways = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(sideways, 'the page scrolls sideways').toBeLessThanOrEqual(0);
  const viewport = page.viewportSize()!;
  const leave = await boxOf(page.getByTestId('leave-button'));
  expect(leave.x).toBeGreaterThanOrEqual(0);
  expect(leave.x + leave.width).toBeLessThanOrEqual(viewport.width);
  expect(leave.y + leave.height, 'the controls are below the fold').toBeLessThanOrEqual(viewport.height);
  expect(leave.height, 'touch target').toBeGreaterThanOrEqual(44);
}

async function expectGridFills(page: Page, label: string): Promise<void> {
  await expect(page.getByTestId('stage')).toHaveAttribute('data-layout', 'grid');
  await expect(page.getByTestId('tile')).toHaveCount(2);
  // Sized from the measured stage; polled because a resize settles over a frame or two.
  await expect
    .poll(async () => (await stageBoxes(page)).ratio, { timeout: 5_000, message: `${label}: tiles cover` })
    .toBeGreaterThan(0.5);
  const { stage, tiles, ratio } = await stageBoxes(page);
  for (const tile of tiles) {
    expect(tile.x).toBeGreaterThanOrEqual(stage.x - 1);
    expect(tile.x + tile.width).toBeLessThanOrEqual(stage.x + stage.width + 1);
    // Camera-shaped (between 4:3 and 16:9), never stretched into a strip.
    expect(tile.width / tile.height).toBeGreaterThan(1.3);
    expect(tile.width / tile.height).toBeLessThan(1.8);
  }
  process.stdout.write(`  ${label}: 2 tiles cover ${(ratio * 100).toFixed(0)} % of the stage\n`);
  await expectFitsAndReachable(page);
}

async function expectSpeakerLayout(page: Page, label: string): Promise<void> {
  await expect(page.getByTestId('stage')).toHaveAttribute('data-layout', 'speaker');
  await expect(page.locator('.stage-main [data-testid="tile"]')).toHaveCount(1);
  await expect(page.locator('.filmstrip [data-testid="tile"]')).toHaveCount(1);
  await expect
    .poll(
      async () => {
        const { main, strip } = await stageBoxes(page);
        return main[0] && strip[0] ? area(main[0]) / area(strip[0]) : 0;
      },
      { timeout: 5_000, message: `${label}: the main tile is not much larger than the strip's` },
    )
    .toBeGreaterThan(4);
  const { ratio } = await stageBoxes(page);
  expect(ratio, `${label}: the speaker layout leaves the stage empty`).toBeGreaterThan(0.4);
  process.stdout.write(`  ${label} speaker: tiles cover ${(ratio * 100).toFixed(0)} % of the stage\n`);
  await expectFitsAndReachable(page);
}

/** Frames the browser presented in a <video> over `ms` (requestVideoFrameCallback). */
async function framesPresented(video: Locator, ms: number): Promise<number> {
  return video.evaluate(
    (element, duration) =>
      new Promise<number>((resolve) => {
        const v = element as HTMLVideoElement;
        let frames = 0;
        const onFrame = (): void => {
          frames += 1;
          v.requestVideoFrameCallback(onFrame);
        };
        v.requestVideoFrameCallback(onFrame);
        setTimeout(() => resolve(frames), duration);
      }),
    ms,
  );
}

/** The microphone meter's readings over `ms`. */
async function meterReadings(meter: Locator, ms: number): Promise<number[]> {
  return meter.evaluate(
    (element, duration) =>
      new Promise<number[]>((resolve) => {
        const values: number[] = [];
        const timer = setInterval(() => values.push((element as HTMLMeterElement).value), 50);
        setTimeout(() => {
          clearInterval(timer);
          resolve(values);
        }, duration);
      }),
    ms,
  );
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

test('the waiting room, a stage that fills the screen at 1280 and 390 px, the app’s own confirmations, and a receive-only indicator', async ({
  browser,
}) => {
  test.setTimeout(170_000);
  const title = `Conseil de scène ${Date.now()}`;
  const account = createOrganiser(`scene-${Date.now()}@example.fr`, 'Me Hôte');

  // The organiser creates a meeting and a personal invitation that goes through the waiting room.
  const { page: host, dialogs: hostDialogs } = await openPage(browser, 'host', 'laptop');
  await signIn(host, account);
  await host.getByTestId('meeting-title-input').fill(title);
  await host.getByTestId('create-meeting-submit').click();
  await expect(host.getByTestId('organiser-meeting')).toBeVisible();
  await host.getByTestId('invite-personal').check();
  await host.getByTestId('invite-label').fill('Client Scène');
  await host.getByTestId('invite-level-3').check();
  await host.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(host, 'invite-link');

  await host.getByTestId('host-join-link').click();
  await host.getByTestId('display-name-input').fill('Me Hôte');
  await host.getByTestId('join-button').click();
  await expect(host.getByTestId('leave-button')).toBeVisible();

  // The client, on a phone, waits: the title, their own camera playing, the meter moving.
  const { page: guest, dialogs: guestDialogs } = await openPage(browser, 'guest', 'phone');
  await guest.goto(inviteLink);
  await guest.getByTestId('display-name-input').fill('Client Scène');
  await guest.getByTestId('join-button').tap();
  await expect(guest.getByTestId('lobby-waiting')).toBeVisible();
  await expect(guest.getByTestId('waiting-meeting-title')).toContainText(title);
  const preview = guest.getByTestId('waiting-preview-video');
  await expect(preview).toBeVisible();
  await expect.poll(() => framesPresented(preview, 1_000), { timeout: 15_000 }).toBeGreaterThan(5);
  const meter = guest.getByTestId('waiting-mic-level');
  // The fake microphone beeps: the meter goes up and down again.
  await expect
    .poll(
      async () => {
        const values = await meterReadings(meter, 2_000);
        return Math.max(...values) > 0.2 && new Set(values).size >= 3;
      },
      { timeout: 15_000, message: 'the microphone meter never moved' },
    )
    .toBe(true);
  await expect(guest.getByTestId('waiting-camera-select')).toBeVisible();
  await expect(guest.getByTestId('waiting-microphone-select')).toBeVisible();
  expect(
    await guest.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
  ).toBeLessThanOrEqual(0);
  await screenshot(guest, 'waiting-room-390');
  // Nothing of the client reaches the meeting while they wait.
  await expect(host.getByTestId('tile')).toHaveCount(1);

  // Let in: the preview lets go of the devices, the meeting sends them, and both decode each other.
  await host.getByTestId('lobby-entry').getByTestId('lobby-admit').click();
  await expect(guest.getByTestId('leave-button')).toBeVisible();
  await expect(guest.getByTestId('waiting-preview-video')).toHaveCount(0);
  const guestId = await memberIdOf(host, 'Client Scène');
  const hostId = await memberIdOf(guest, 'Me Hôte');
  await expectDecoding(host, guestId, 'camera', 'video');
  await expectDecoding(host, guestId, 'microphone', 'audio');
  await expectDecoding(guest, hostId, 'camera', 'video');

  // The grid fills the stage on both screens; the host's controls are in the one bar.
  await expectGridFills(host, '1280');
  await expect(
    host.getByRole('group', { name: 'Commandes de la réunion' }).getByTestId('end-for-all'),
  ).toBeVisible();
  await expect(
    host.getByRole('group', { name: 'Commandes de la réunion' }).getByTestId('toggle-lock'),
  ).toBeVisible();
  await screenshot(host, 'stage-grid-1280');
  await expectGridFills(guest, '390');
  await screenshot(guest, 'stage-grid-390');

  // Speaker layout: one large tile, the other in the strip.
  await host.getByTestId('toggle-layout').click();
  await expect(host.getByTestId('toggle-layout')).toHaveAttribute('aria-pressed', 'true');
  await expectSpeakerLayout(host, '1280');
  await screenshot(host, 'stage-speaker-1280');
  // On the phone, the layout is in « Plus » (one row of large buttons), by touch.
  await expect(guest.getByTestId('toggle-layout')).toBeHidden();
  await guest.getByTestId('controls-more').tap();
  await expect(guest.getByTestId('controls-more')).toHaveAttribute('aria-expanded', 'true');
  await guest.getByTestId('toggle-layout').tap();
  await expectSpeakerLayout(guest, '390');
  await screenshot(guest, 'stage-speaker-390');
  await guest.keyboard.press('Escape');
  await expect(guest.getByTestId('toggle-layout')).toBeHidden();
  await expect(guest.getByTestId('controls-more')).toBeFocused();
  await host.getByTestId('toggle-layout').click();
  await expect(host.getByTestId('stage')).toHaveAttribute('data-layout', 'grid');

  // Receive-only: the host sends; then with microphone and camera off, what is true is said.
  const indicator = host.getByTestId('e2ee-status');
  await expect(indicator).toHaveAttribute('data-state', 'on');
  await host.getByTestId('toggle-mic').click();
  await host.getByTestId('toggle-camera').click();
  await expect(indicator).toHaveAttribute('data-state', 'receiving');
  await expect(indicator).toContainText('Ce que vous recevez (images et sons) est chiffré de bout en bout');
  await expect(indicator).not.toContainText("rien n'est encore chiffré");
  // And it is true: the host still decodes the client.
  expect((await progress(host, guestId, 'camera', 'video', 2_000)).delta).toBeGreaterThan(0);

  // « Terminer pour tous », from the keyboard: the dialog takes the focus, Escape cancels, nothing happens.
  const endButton = host.getByTestId('end-for-all');
  await endButton.focus();
  await host.keyboard.press('Enter');
  const endDialog = host.getByRole('dialog', { name: 'Terminer la réunion pour tous ?' });
  await expect(endDialog).toBeVisible();
  await expect(endDialog).toContainText('Cette action est définitive');
  await expect(host.getByTestId('confirm-end').getByTestId('confirm-dialog-cancel')).toBeFocused();
  await screenshot(host, 'dialog-end-1280');
  await host.keyboard.press('Escape');
  await expect(endDialog).toBeHidden();
  await expect(endButton).toBeFocused();
  await expect(guest.getByTestId('leave-button')).toBeVisible();

  // « Retirer de la réunion »: cancelled with the button, then confirmed: the client is removed.
  const row = host.locator(`[data-testid="participants-list"] li[data-member-id="${guestId}"]`);
  await row.getByTestId('moderation-menu').locator('summary').click();
  const removeButton = row.getByTestId('moderate-remove');
  await removeButton.click();
  const removeDialog = host.getByRole('dialog', { name: 'Retirer Client Scène de la réunion ?' });
  await expect(removeDialog).toBeVisible();
  await removeDialog.getByTestId('confirm-dialog-cancel').click();
  await expect(removeDialog).toBeHidden();
  await expect(removeButton).toBeFocused();
  await expect(guest.getByTestId('leave-button')).toBeVisible();
  await removeButton.press('Enter');
  await expect(removeDialog).toBeVisible();
  await removeDialog.getByTestId('confirm-dialog-confirm').click();
  await expect(guest.getByTestId('meeting-ended')).toHaveAttribute('data-end-reason', 'removed');
  await expect(host.locator(`[data-testid="tile"][data-member-id="${guestId}"]`)).toHaveCount(0);

  // Then ended for everyone, confirmed in the dialog.
  await endButton.click();
  await expect(endDialog).toBeVisible();
  await endDialog.getByTestId('confirm-dialog-confirm').click();
  await expect(host.getByTestId('meeting-ended')).toBeVisible();

  expect(hostDialogs.messages, 'window.confirm (or another native dialog) was used').toEqual([]);
  expect(guestDialogs.messages, 'window.confirm (or another native dialog) was used').toEqual([]);
  await host.context().close();
  await guest.context().close();
});
