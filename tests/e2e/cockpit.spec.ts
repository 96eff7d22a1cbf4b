import { spawnSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import {
  capturedKeys,
  closeJoinedContexts,
  expectDecoding,
  joinAs,
  memberIdOf,
  progress,
  type CapturedKey,
} from '../support/meeting.ts';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';

test.afterEach(closeJoinedContexts);

/** The laptop the cockpit is designed for. */
const LAPTOP = { width: 1280, height: 800 } as const;
const TABS = ['agenda', 'floor', 'vote', 'minutes', 'record'] as const;
type Tab = (typeof TABS)[number];

const TITLE = 'Commission des finances';
const ITEM_1 = 'Approbation du procès-verbal';
const ITEM_2 = 'Budget 2027';
const MOTION = 'Adopter le budget 2027';
const MINUTES_1 = 'Le procès-verbal de la séance précédente est approuvé sans observation.';
const CHAIR = 'Présidente Martin';
const SECRETARY = 'Greffière Sophie';
const ARNAUD = 'Membre Arnaud';
const BRUNO = 'Membre Bruno';

/**
 * What scrolls that should not, as a person would name it: the page itself,
 * the cockpit, its shown tab panel, or any box inside the cockpit that
 * scrolls (its content taller than the box). Empty when nothing scrolls.
 * Used both ways: on the real cockpit (must be empty) and with a tall block
 * injected (must name it).
 */
async function scrollProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (element: Element): string => {
      const testId = element.getAttribute('data-testid');
      return testId
        ? `[data-testid="${testId}"]`
        : `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`;
    };
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollHeight > root.clientHeight + 1) {
      // Named by the boxes reaching furthest down, the innermost first.
      const below = [...document.body.querySelectorAll('*')]
        .map((element) => ({ element, rect: element.getBoundingClientRect() }))
        .filter(({ rect }) => rect.height > 0 && rect.bottom > root.clientHeight + 1)
        .sort((a, b) => b.rect.bottom - a.rect.bottom || a.rect.height - b.rect.height)
        .slice(0, 3)
        .map(({ element, rect }) => `${describe(element)} (bottom at ${Math.round(rect.bottom)} px)`);
      problems.push(
        `the page scrolls: ${root.scrollHeight} px of content in ${root.clientHeight} px; lowest: ${below.join(', ')}`,
      );
    }
    const cockpit = document.querySelector('[data-testid="committee-cockpit"]');
    if (!cockpit) {
      return ['no cockpit on the page'];
    }
    const boxes = [cockpit, ...cockpit.querySelectorAll('[role="tabpanel"]:not([hidden]), *')];
    const seen = new Set<Element>();
    for (const box of boxes) {
      if (seen.has(box) || box.closest('[hidden]')) {
        continue;
      }
      seen.add(box);
      const style = getComputedStyle(box);
      const scrollable = /(auto|scroll)/.test(style.overflowY);
      // The cockpit and its panels count whatever their overflow; other boxes only if they scroll.
      if (box !== cockpit && box.getAttribute('role') !== 'tabpanel' && !scrollable) {
        continue;
      }
      if (box.scrollHeight > box.clientHeight + 1) {
        problems.push(
          `${describe(box)} scrolls: ${box.scrollHeight} px of content in ${box.clientHeight} px`,
        );
      }
    }
    const rect = cockpit.getBoundingClientRect();
    if (rect.bottom > window.innerHeight + 1) {
      problems.push(
        `the cockpit ends at ${Math.round(rect.bottom)} px, below the window (${window.innerHeight} px)`,
      );
    }
    return problems;
  });
}

async function openTab(page: Page, tab: Tab): Promise<void> {
  const button = page.getByTestId(`cockpit-tab-${tab}`);
  if ((await button.getAttribute('aria-selected')) !== 'true') {
    await button.click();
  }
  await expect(button).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`cockpit-panel-${tab}`)).toBeVisible();
}

/** Every tab of the cockpit in turn: nothing scrolls, the page neither. Ends on `back`. */
async function expectNoScroll(page: Page, who: string, back: Tab = 'agenda'): Promise<void> {
  expect(page.viewportSize()).toEqual(LAPTOP);
  const found: string[] = [];
  for (const tab of TABS) {
    await openTab(page, tab);
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    const problems = await scrollProblems(page);
    if (problems.length > 0) {
      // What the person saw, kept with the test's results.
      await page.screenshot({ path: test.info().outputPath(`${who}-${tab}.png`.replace(/\s+/g, '-')) });
    }
    found.push(...problems.map((problem) => `${who}, tab ${tab}: ${problem}`));
  }
  await openTab(page, back);
  expect(found, found.join('\n')).toEqual([]);
}

/** Moves the focus off any field, as a chair does before a shortcut (they are ignored while typing). */
async function shortcut(page: Page, keys: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press(keys);
}

async function audioDelta(viewer: Page, memberId: string, ms = 2_500): Promise<number> {
  return (await progress(viewer, memberId, 'microphone', 'audio', ms)).delta;
}

const keyText = (key: CapturedKey): string => key.key.join(',');

/**
 * Issue 15's whole session through the cockpit at 1280×800: a chair, a
 * secretary (a co-host) and two members; nothing in the cockpit scrolls;
 * members are muted until given the floor; a deliberation in camera sends a
 * member out (no frames, no new key meanwhile) and brings him back; a vote;
 * the procès-verbal as PDF holds the title, attendance, result and minutes.
 */
test('a committee session runs through the cockpit at 1280×800: floor, deliberation in camera, vote, PDF procès-verbal', async ({
  browser,
}) => {
  test.setTimeout(360_000);
  const account = createOrganiser(`cockpit-${Date.now()}@example.fr`, CHAIR);
  const chairContext = await browser.newContext({ acceptDownloads: true, viewport: LAPTOP, locale: 'fr-FR' });
  const chair = await chairContext.newPage();
  chair.on('pageerror', (error) => process.stderr.write(`[chair] page error: ${error.message}\n`));
  await signIn(chair, account);

  await chair.getByTestId('meeting-title-input').fill(TITLE);
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-title-input').nth(0).fill(ITEM_1);
  await chair.getByTestId('agenda-title-input').nth(1).fill(ITEM_2);
  await chair.getByTestId('agenda-save').click();
  await expect(chair.getByTestId('agenda-saved')).toBeVisible();
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-1').check();
  await chair.getByTestId('invite-submit').click();
  const invite = new URL(await shownValue(chair, 'invite-link'));
  const invitePath = invite.pathname + invite.hash;

  await chair.getByTestId('host-join-link').click();
  await chair.getByTestId('display-name-input').fill(CHAIR);
  await chair.getByTestId('join-button').click();
  await expect(chair.getByTestId('committee-cockpit')).toBeVisible();

  const secretary = await joinAs(browser, invitePath, SECRETARY);
  const arnaud = await joinAs(browser, invitePath, ARNAUD);
  const bruno = await joinAs(browser, invitePath, BRUNO);
  const everyone = [chair, secretary, arnaud, bruno];
  for (const page of everyone) {
    await page.setViewportSize(LAPTOP);
    await expect(page.getByTestId('committee-cockpit')).toBeVisible();
  }
  const chairId = await memberIdOf(arnaud, CHAIR);
  const secretaryId = await memberIdOf(chair, SECRETARY);
  const arnaudId = await memberIdOf(chair, ARNAUD);
  const brunoId = await memberIdOf(chair, BRUNO);

  // The chair makes the secretary a co-host: she keeps the minutes.
  const row = (memberId: string) =>
    chair.locator(`[data-testid="participants-list"] li[data-member-id="${memberId}"]`);
  await row(secretaryId).getByTestId('moderation-menu').locator('summary').click();
  await row(secretaryId).getByTestId('moderate-make-cohost').click();
  await expect(secretary.getByTestId('minutes-editor')).toHaveCount(1);
  await row(secretaryId).getByTestId('moderation-menu').locator('summary').click();

  // Nothing scrolls in the cockpit, for the chair, the secretary and a member, on every tab.
  await expectNoScroll(chair, 'chair');
  await expectNoScroll(secretary, 'secretary');
  await expectNoScroll(arnaud, 'member');
  // Negative control: a block taller than the cockpit, put into one panel, is caught and named.
  await chair.getByTestId('cockpit-panel-agenda').evaluate((panel) => {
    const tall = document.createElement('div');
    tall.dataset.testid = 'too-tall';
    tall.style.height = '2000px';
    panel.append(tall);
  });
  const caught = await scrollProblems(chair);
  expect(caught.join('\n')).toContain('[data-testid="cockpit-panel-agenda"] scrolls');
  await chair.getByTestId('too-tall').evaluate((element) => element.remove());
  expect(await scrollProblems(chair)).toEqual([]);

  // The tabs by keyboard: arrows, End and Home move and show; Alt+Shift+digit from anywhere.
  await chair.getByTestId('cockpit-tab-agenda').focus();
  await chair.keyboard.press('ArrowRight');
  await expect(chair.getByTestId('cockpit-tab-floor')).toBeFocused();
  await expect(chair.getByTestId('cockpit-panel-floor')).toBeVisible();
  await chair.keyboard.press('End');
  await expect(chair.getByTestId('cockpit-tab-record')).toHaveAttribute('aria-selected', 'true');
  await chair.keyboard.press('Home');
  await expect(chair.getByTestId('cockpit-tab-agenda')).toHaveAttribute('aria-selected', 'true');
  await shortcut(chair, 'Alt+Shift+3');
  await expect(chair.getByTestId('cockpit-tab-vote')).toBeFocused();
  await expect(chair.getByTestId('cockpit-panel-vote')).toBeVisible();
  // While typing in a field the shortcuts stay out of the way.
  await chair.getByTestId('vote-motion-input').focus();
  await chair.keyboard.press('Alt+Shift+1');
  await expect(chair.getByTestId('cockpit-tab-vote')).toHaveAttribute('aria-selected', 'true');
  // The help lists the chair's shortcuts; Escape closes it and the focus goes back.
  await shortcut(chair, 'Alt+Shift+H');
  const help = chair.getByTestId('cockpit-shortcuts-dialog');
  await expect(help).toBeVisible();
  await expect(help.locator('[data-testid="cockpit-shortcut"][data-keys="Alt+Shift+G"]')).toBeVisible();
  await expect(chair.getByTestId('cockpit-shortcuts-close')).toBeFocused();
  await chair.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await openTab(chair, 'agenda');

  // Members join muted: nothing of their microphones reaches the others.
  for (const page of [arnaud, bruno]) {
    await expect(page.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'false');
  }
  expect(await audioDelta(chair, arnaudId), 'Arnaud is heard before he has the floor').toBe(0);
  expect(await audioDelta(bruno, arnaudId)).toBe(0);

  // Item 1 from the keyboard (Alt+Shift+N); everyone's summary shows it.
  await expect(chair.getByTestId('cockpit-next-item')).toHaveAttribute('aria-keyshortcuts', 'Alt+Shift+N');
  await shortcut(chair, 'Alt+Shift+N');
  for (const page of everyone) {
    await expect(page.getByTestId('current-item')).toContainText(ITEM_1);
  }

  // Arnaud asks for the floor (Alt+Shift+R); the chair gives it to the first hand (Alt+Shift+G).
  await shortcut(arnaud, 'Alt+Shift+R');
  await expect(chair.getByTestId('cockpit-queue-count')).toBeVisible();
  await shortcut(chair, 'Alt+Shift+G');
  for (const page of everyone) {
    await expect(page.getByTestId('cockpit-speaker')).toHaveAttribute('data-member-id', arnaudId);
  }
  await expect(arnaud.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'true');
  await expectDecoding(chair, arnaudId, 'microphone', 'audio');
  await expectDecoding(bruno, arnaudId, 'microphone', 'audio');
  await shortcut(chair, 'Alt+Shift+W');
  await expect(bruno.getByTestId('cockpit-speaker')).toHaveCount(0);
  await expect(arnaud.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'false');

  // The secretary writes the minutes of item 1.
  await openTab(secretary, 'minutes');
  await secretary.getByTestId('minutes-editor').fill(MINUTES_1);
  await secretary.getByTestId('minutes-save').click();
  await expect(secretary.getByTestId('minutes-saved')).toBeVisible();

  // Deliberation in camera: Bruno is sent back to the waiting room.
  const brunoKeysBefore = (await capturedKeys(bruno)).length;
  const arnaudKeysBefore = (await capturedKeys(arnaud)).length;
  await row(brunoId).getByTestId('moderation-menu').locator('summary').click();
  await row(brunoId).getByTestId('moderate-send-to-lobby').click();
  // Asked first in the app's dialog (the one open: every member's menu has its own).
  const confirm = chair.locator('dialog[open]').getByTestId('confirm-dialog-confirm');
  await confirm.click({ timeout: 5_000 });
  await expect(bruno.getByTestId('lobby-waiting')).toHaveAttribute('data-reason', 'deliberation');
  // Meanwhile the others re-key (positive control: Arnaud gets new keys) and Bruno gets none of them.
  await expect
    .poll(async () => (await capturedKeys(arnaud)).length, {
      timeout: 20_000,
      message: 'no re-key after the send-out',
    })
    .toBeGreaterThan(arnaudKeysBefore);
  expect((await progress(arnaud, chairId, 'camera', 'video', 3_000)).delta).toBeGreaterThan(0);
  expect(
    (await progress(bruno, chairId, 'camera', 'video', 3_000)).delta,
    'Bruno sees the deliberation',
  ).toBe(0);
  const brunoKeys = await capturedKeys(bruno);
  expect(brunoKeys.length, 'Bruno received keys while out').toBe(brunoKeysBefore);
  const newKeys = (await capturedKeys(arnaud)).slice(arnaudKeysBefore).map(keyText);
  expect(brunoKeys.map(keyText).filter((key) => newKeys.includes(key))).toEqual([]);
  // The chair brings him back.
  await chair
    .locator(`[data-testid="lobby-entry"][data-member-id="${brunoId}"]`)
    .getByTestId('lobby-admit')
    .click();
  await expect(bruno.getByTestId('committee-cockpit')).toBeVisible();
  await expectDecoding(bruno, chairId, 'camera', 'video');

  // Item 2 and the vote; the chair closes it from the keyboard (Alt+Shift+V).
  await shortcut(chair, 'Alt+Shift+N');
  await expect(bruno.getByTestId('current-item')).toContainText(ITEM_2);
  await openTab(chair, 'vote');
  await chair.getByTestId('vote-motion-input').fill(MOTION);
  await chair.getByTestId('open-vote').click();
  for (const page of everyone) {
    await expect(page.getByTestId('cockpit-vote')).toContainText(MOTION);
  }
  for (const [page, choice] of [
    [chair, 'pour'],
    [secretary, 'pour'],
    [arnaud, 'pour'],
    [bruno, 'contre'],
  ] as const) {
    if (page !== chair) {
      // From the summary: « Voter » opens the vote tab with the focus on the ballot.
      await page.getByTestId('cockpit-show-vote').click();
    }
    const option = page.locator(`[data-testid="vote-option"][data-option="${choice}"]`);
    await option.click();
    await expect(option).toBeDisabled();
  }
  await expect(chair.getByTestId('cockpit-vote')).toContainText('4 sur 4');
  await shortcut(chair, 'Alt+Shift+V');
  for (const page of everyone) {
    await expect(page.getByTestId('vote-result')).toHaveAttribute('data-outcome', 'adopted');
    // The summary shows the result in every tab.
    await expect(page.getByTestId('cockpit-last-result')).toHaveAttribute('data-outcome', 'adopted');
  }

  // Still nothing scrolls, with an item open, a result and saved minutes.
  await expectNoScroll(chair, 'chair after the vote');
  await expectNoScroll(secretary, 'secretary after the vote');

  // The procès-verbal as PDF; its text holds the title, attendance, the result and the minutes.
  await openTab(chair, 'record');
  const download = chair.waitForEvent('download', { timeout: 30_000 });
  await chair.getByTestId('export-minutes-pdf').click();
  const pdfPath = await (await download).path();
  const extracted = spawnSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8', timeout: 30_000 });
  expect(extracted.status, extracted.stderr).toBe(0);
  const text = extracted.stdout.replace(/\s+/g, ' ');
  for (const expected of [
    TITLE,
    CHAIR,
    SECRETARY,
    ARNAUD,
    BRUNO,
    ITEM_1,
    ITEM_2,
    MOTION,
    'Adoptée',
    MINUTES_1,
  ]) {
    expect(text, `the PDF names ${expected}`).toContain(expected);
  }

  await chairContext.close();
});
