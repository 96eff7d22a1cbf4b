import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  attribute,
  byTestId,
  click,
  count,
  expectAttribute,
  fill,
  joinInFirefox,
  launchFirefox,
  memberIdIn,
  openPage,
  pageErrors,
  submitJoin,
  text,
  waitVisible,
  type FirefoxBrowser,
  type FirefoxPage,
} from '../support/firefox.ts';
import { openCockpitTab } from '../support/cockpit.ts';
import { chromiumStats, expectDecodingIn, expectStalled, firefoxStats } from '../support/firefoxDecoding.ts';
import { memberIdOf } from '../support/meeting.ts';
import { PASSWORD, shownValue, signIn, type CreatedAccount } from '../support/organiser.ts';
import { PORT, ROOT, serviceFiles, startService, stopService } from '../support/servers.ts';
import { addVethWithDefaultRoute, type VethRoute } from '../support/veth.ts';
import { startXvfb, type VirtualDisplay } from '../support/xvfb.ts';

/**
 * Firefox ESR (the browser French administrations deploy) in the product's
 * join, E2EE and committee paths, beside Chromium. Firefox gathers no ICE
 * candidate with loopback alone, so this file gives the test namespace a veth
 * pair and a default route (to its own peer: nothing leaves) and starts a
 * service of its own whose SFU listens on the veth address; the shared
 * service the other specs use is left as it is. Both are removed afterwards.
 */

/** This file's service: beside the shared one (PORT, +1, +80, +100, +101, +443 are taken). */
const FF_PORT = PORT + 200;
const FF_BASE = `http://127.0.0.1:${FF_PORT}`;
const SCREENSHOTS = join(ROOT, '.tools/reports/screenshots');

test.describe.configure({ mode: 'serial' });

let veth: VethRoute | undefined;
let service: ChildProcess | undefined;
let firefox: FirefoxBrowser | undefined;
let display: VirtualDisplay | undefined;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(90_000);
  veth = await addVethWithDefaultRoute();
  service = await startService({ port: FF_PORT, rtcListenIp: veth.address });
});

test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  await firefox?.close().catch(() => undefined);
  firefox = undefined;
});

test.afterAll(async () => {
  if (service) {
    await stopService(service);
  }
  await veth?.remove();
  await display?.stop();
});

/** A Chromium page of its own profile, on this file's service. */
async function chromiumPage(browser: Browser, label: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: FF_BASE, viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) =>
    process.stderr.write(`[${label} (Chromium)] page error: ${error.message}\n`),
  );
  return page;
}

async function firefoxPage(label: string, options: { display?: string } = {}): Promise<FirefoxPage> {
  firefox = await launchFirefox(options);
  const page = await openPage(firefox, label);
  await page.setViewport({ width: 1280, height: 800 });
  return page;
}

async function chromiumJoin(page: Page, path: string, name: string): Promise<void> {
  await page.goto(path);
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('leave-button')).toBeVisible();
}

async function sendChromiumChat(page: Page, message: string): Promise<void> {
  await page.getByTestId('toggle-chat').click();
  await page.getByTestId('chat-input').fill(message);
  await page.getByTestId('chat-send').click();
}

/** An organiser account in this file's database, made as an operator does (the admin CLI). */
function createOrganiserHere(email: string, name: string): CreatedAccount {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'apps/signaling/src/cli/admin.ts'), 'create-account', '--email', email, '--name', name],
    {
      input: `${PASSWORD}\n`,
      env: { ...process.env, DATABASE_PATH: serviceFiles(FF_PORT).databasePath },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CreatedAccount;
}

test('a Chromium and a Firefox participant meet end-to-end encrypted: video and audio both ways, a screen shared each way, a wrong key on either side decodes nothing', async ({
  browser,
}) => {
  const alice = await chromiumPage(browser, 'Alice');
  await alice.goto('/');
  await alice.getByTestId('create-meeting').click();
  await expect(alice).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}#k=/);
  const link = new URL(alice.url());
  await chromiumJoin(alice, link.pathname + link.hash, 'Alice');

  // Bob's Firefox has a (virtual) display, so that it can share its screen.
  display = await startXvfb();
  const bob = await firefoxPage('Bob', { display: display.display });
  const ua = await bob.evaluate(() => navigator.userAgent);
  expect(ua, 'the second participant really is Firefox').toContain('Firefox/');
  await joinInFirefox(bob, `${FF_BASE}${link.pathname}${link.hash}`, 'Bob');
  const aliceId = await memberIdIn(bob, 'Alice');
  const bobId = await memberIdOf(alice, 'Bob');

  // Each decodes the other's camera and microphone, through SFrame in both engines.
  const inBob = firefoxStats(bob, 'Bob');
  const inAlice = chromiumStats(alice, 'Alice');
  await expectDecodingIn(inBob, aliceId, 'camera', 'video');
  await expectDecodingIn(inAlice, bobId, 'camera', 'video');
  await expectDecodingIn(inBob, aliceId, 'microphone', 'audio');
  await expectDecodingIn(inAlice, bobId, 'microphone', 'audio');
  await expectAttribute(bob, byTestId('e2ee-status'), 'data-state', 'on');
  await expect(alice.getByTestId('e2ee-status')).toHaveAttribute('data-state', 'on');
  await mkdir(SCREENSHOTS, { recursive: true });
  await bob.screenshot({ path: join(SCREENSHOTS, 'meeting-firefox-1280.png') });

  // Alice shares her screen from Chromium; Bob decodes it in Firefox.
  await alice.getByTestId('toggle-screen').click();
  await waitVisible(bob, `[data-testid="tile"][data-member-id="${aliceId}"][data-source="screen"]`);
  await expectDecodingIn(inBob, aliceId, 'screen', 'video');
  await alice.getByTestId('toggle-screen').click();
  // Bob shares his (virtual) screen from Firefox; Alice decodes it in Chromium.
  await bob.click(byTestId('toggle-screen'));
  await expect(
    alice.locator(`[data-testid="tile"][data-member-id="${bobId}"][data-source="screen"]`),
  ).toBeVisible();
  await expectDecodingIn(inAlice, bobId, 'screen', 'video');
  await bob.click(byTestId('toggle-screen'));

  // Negative controls: with a wrong key for the other side, its frames are refused and stop decoding.
  await bob.evaluate((id) => window.__meeting!.installWrongKeyForTest!(id), aliceId);
  await expectStalled(inBob, aliceId, 'camera');
  await alice.evaluate((id) => window.__meeting!.installWrongKeyForTest!(id), bobId);
  await expectStalled(inAlice, bobId, 'camera');
  expect(pageErrors(bob), 'errors in the Firefox page').toEqual([]);
});

test('in Firefox, a committee member waits in the lobby, is admitted, chats, takes the floor, votes and plays the encrypted recording', async ({
  browser,
}) => {
  const account = createOrganiserHere(`greffe-${Date.now()}@example.fr`, 'Présidente Martin');
  const chair = await signedInChair(browser, account);
  await chair.getByTestId('meeting-title-input').fill('Commission des marchés');
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-title-input').nth(0).fill('Attribution du lot 2');
  await chair.getByTestId('agenda-save').click();
  await expect(chair.getByTestId('agenda-saved')).toBeVisible();
  // A shared invitation through the lobby (level 3).
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-3').check();
  await chair.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(chair, 'invite-link');
  await chair.getByTestId('host-join-link').click();
  await chair.getByTestId('display-name-input').fill('Présidente Martin');
  await chair.getByTestId('join-button').click();
  await expect(chair.getByTestId('leave-button')).toBeVisible();

  // The member opens the invitation in Firefox and waits in the lobby, with nothing of the meeting.
  const member = await firefoxPage('Membre Zoé');
  await member.goto(inviteLink);
  await submitJoin(member, 'Membre Zoé');
  await waitVisible(member, byTestId('lobby-waiting'));
  expect(await attribute(member, byTestId('lobby-waiting'), 'data-reason')).toBe('admission');
  expect(await count(member, byTestId('tile'))).toBe(0);
  const entry = chair.getByTestId('lobby-entry').filter({ hasText: 'Membre Zoé' });
  await entry.getByTestId('lobby-admit').click();
  await waitVisible(member, byTestId('leave-button'));
  await waitVisible(member, byTestId('committee-panel'));
  const chairId = await memberIdIn(member, 'Présidente Martin');
  const memberId = await memberIdOf(chair, 'Membre Zoé');
  await expectDecodingIn(firefoxStats(member, 'Membre Zoé'), chairId, 'camera', 'video');
  await member.screenshot({ path: join(SCREENSHOTS, 'committee-firefox-1280.png') });

  // Chat both ways, sealed in each browser.
  const fromChair = `Pièces du lot 2 transmises ${Date.now()}`;
  await sendChromiumChat(chair, fromChair);
  await click(member, byTestId('toggle-chat'));
  const chairMessage = `${byTestId('chat-message')}[data-state="ok"]`;
  await expect.poll(() => text(member, chairMessage), { timeout: 20_000 }).toContain(fromChair);
  const fromMember = `Bien reçu, merci ${Date.now()}`;
  await fill(member, byTestId('chat-input'), fromMember);
  await click(member, byTestId('chat-send'));
  await expect(chair.getByTestId('chat-message').filter({ hasText: fromMember })).toHaveAttribute(
    'data-state',
    'ok',
  );

  // The item opens; the member asks for the floor and gets it.
  await chair.getByTestId('agenda-item').nth(0).getByTestId('agenda-open').click();
  await expect.poll(() => text(member, byTestId('current-item'))).toContain('Attribution du lot 2');
  await openCockpitTab(chair, 'record');
  await chair.getByTestId('recording-start').click();
  await waitVisible(member, byTestId('recording-indicator'));
  await click(member, byTestId('cockpit-tab-floor'));
  await click(member, byTestId('raise-hand'));
  await openCockpitTab(chair, 'floor');
  const queued = chair.locator(`[data-testid="floor-queue-entry"][data-member-id="${memberId}"]`);
  await queued.getByTestId('give-floor').click();
  await expectAttribute(member, byTestId('floor-speaker'), 'data-member-id', memberId);
  await expectAttribute(member, byTestId('toggle-mic'), 'aria-pressed', 'true');

  // A vote: the member's ballot from Firefox counts, and the member sees the result.
  await openCockpitTab(chair, 'vote');
  await chair.getByTestId('vote-motion-input').fill('Attribuer le lot 2 à la société Durand');
  await chair.getByTestId('open-vote').click();
  await click(member, byTestId('cockpit-tab-vote'));
  const pour = byTestId('vote-option', '[data-option="pour"]');
  await click(member, pour);
  await expect.poll(() => member.$eval(pour, (b) => (b as HTMLButtonElement).disabled)).toBe(true);
  await chair.locator('[data-testid="vote-option"][data-option="pour"]').click();
  await chair.getByTestId('close-vote').click();
  await expectAttribute(member, byTestId('vote-result'), 'data-outcome', 'adopted');

  // The recording stops once it holds a few seconds (three 2-s chunks sent); the member
  // downloads, decrypts and plays it in Firefox.
  await expect
    .poll(async () => Number(await chair.getByTestId('recording-status').getAttribute('data-uploaded')), {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(3);
  await openCockpitTab(chair, 'record');
  await chair.getByTestId('recording-stop').click();
  await expect(chair.getByTestId('recording-status')).toHaveAttribute('data-phase', 'idle', {
    timeout: 30_000,
  });
  await expect
    .poll(
      async () => {
        await click(member, byTestId('recordings-refresh'));
        return count(member, byTestId('recording-row'));
      },
      { timeout: 30_000 },
    )
    .toBe(1);
  await click(member, `${byTestId('recording-row')} ${byTestId('recording-play')}`);
  await waitVisible(member, byTestId('recording-player'), 30_000);
  const player = byTestId('recording-player');
  await member.$eval(player, (video) => (video as HTMLVideoElement).play());
  const playback = (): Promise<{ frames: number; time: number; ended: boolean; error: number | null }> =>
    member.$eval(player, (element) => {
      const video = element as HTMLVideoElement;
      return {
        frames: video.getVideoPlaybackQuality().totalVideoFrames,
        time: video.currentTime,
        ended: video.ended,
        error: video.error?.code ?? null,
      };
    });
  const first = await playback();
  await expect
    .poll(async () => (await playback()).frames, {
      timeout: 20_000,
      message: `the recording did not play in Firefox: ${JSON.stringify(first)} then ${JSON.stringify(await playback())}`,
    })
    .toBeGreaterThan(first.frames + 10);
  process.stdout.write(`  Firefox played the recording: ${JSON.stringify(await playback())}\n`);
  expect(pageErrors(member), 'errors in the Firefox page').toEqual([]);
});

async function signedInChair(browser: Browser, account: CreatedAccount): Promise<Page> {
  const chair = await chromiumPage(browser, 'chair');
  chair.on('dialog', (dialog) => void dialog.accept());
  await signIn(chair, account);
  return chair;
}
