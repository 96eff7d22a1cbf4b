import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { closeJoinedContexts, joinAs, memberIdOf } from '../support/meeting.ts';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';

test.afterEach(closeJoinedContexts);

const TITLE = 'Commission des lois – séance d’été';
const ITEM = 'Réforme du règlement intérieur';
const MOTION = 'Adopter la réforme du règlement';
const MINUTES = 'La commission examine la réforme ; débat nourri sur l’article 12 « quorum ».';

/** Shows a cockpit tab when the page has tabs (the chair's cockpit); a no-op otherwise. */
async function tab(page: Page, name: 'agenda' | 'floor' | 'vote' | 'minutes' | 'record'): Promise<void> {
  const button = page.getByTestId(`cockpit-tab-${name}`);
  if ((await button.count()) > 0) {
    await button.click();
    await expect(button).toHaveAttribute('aria-selected', 'true');
  }
}

/**
 * The procès-verbal as PDF, made in the chair's browser from a real session
 * (floor, vote, sealed minutes) and read back by Debian's pdftotext: the title
 * and date, attendance with times, the floor given, the vote and the minutes,
 * and on each page the SHA-256 of the Markdown text downloaded with it.
 */
test('the procès-verbal downloads as a PDF that names the meeting and carries the session', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const account = createOrganiser(`pv-pdf-${Date.now()}@example.fr`, 'Présidente Lefort');
  const chairContext = await browser.newContext({ acceptDownloads: true });
  const chair = await chairContext.newPage();
  chair.on('pageerror', (error) => process.stderr.write(`[chair] page error: ${error.message}\n`));
  await signIn(chair, account);
  await chair.getByTestId('meeting-title-input').fill(TITLE);
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  const meetingId = new URL(chair.url()).pathname.split('/').pop()!;
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-title-input').nth(0).fill(ITEM);
  await chair.getByTestId('agenda-save').click();
  await expect(chair.getByTestId('agenda-saved')).toBeVisible();
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-1').check();
  await chair.getByTestId('invite-submit').click();
  const invite = new URL(await shownValue(chair, 'invite-link'));

  await chair.getByTestId('host-join-link').click();
  await chair.getByTestId('display-name-input').fill('Présidente Lefort');
  await chair.getByTestId('join-button').click();
  await expect(chair.getByTestId('committee-panel')).toBeVisible();
  const member = await joinAs(browser, invite.pathname + invite.hash, 'Membre Élodie');
  const memberId = await memberIdOf(chair, 'Membre Élodie');

  await tab(chair, 'agenda');
  await chair.getByTestId('agenda-item').nth(0).getByTestId('agenda-open').click();
  await expect(member.getByTestId('current-item')).toContainText(ITEM);

  // The floor, given and withdrawn: a turn with its from – to.
  await tab(member, 'floor');
  await member.getByTestId('raise-hand').click();
  await tab(chair, 'floor');
  const queued = chair.locator(`[data-testid="floor-queue-entry"][data-member-id="${memberId}"]`);
  await queued.getByTestId('give-floor').click();
  await expect(member.getByTestId('floor-speaker')).toHaveAttribute('data-member-id', memberId);
  await chair.waitForTimeout(1_500);
  await chair.getByTestId('withdraw-floor').click();
  await expect(member.getByTestId('floor-speaker')).toHaveCount(0);

  await tab(chair, 'minutes');
  // One item: no choice of item to show.
  await expect(chair.getByTestId('minutes-item')).toHaveCount(0);
  await chair.getByTestId('minutes-editor').fill(MINUTES);
  await chair.getByTestId('minutes-save').click();
  await expect(chair.getByTestId('minutes-saved')).toBeVisible();

  await tab(chair, 'vote');
  await chair.getByTestId('vote-motion-input').fill(MOTION);
  await chair.getByTestId('open-vote').click();
  for (const page of [chair, member]) {
    await tab(page, 'vote');
    await page.locator('[data-testid="vote-option"][data-option="pour"]').click();
    await expect(page.locator('[data-testid="vote-option"][data-option="pour"]')).toBeDisabled();
  }
  await chair.getByTestId('close-vote').click();
  await expect(chair.getByTestId('vote-result')).toHaveAttribute('data-outcome', 'adopted');

  await tab(chair, 'record');
  const pdfDownload = chair.waitForEvent('download', { timeout: 60_000 });
  await chair.getByTestId('export-minutes-pdf').click();
  const pdfFile = await (await pdfDownload).path();
  const pdf = await readFile(pdfFile);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await expect(chair.getByTestId('export-pdf-sha256')).toHaveText(
    createHash('sha256').update(pdf).digest('hex'),
  );
  const read = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfFile, '-'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(read.status, read.stderr).toBe(0);
  const words = read.stdout.replace(/\s+/g, ' ');
  for (const expected of [
    `Procès-verbal de séance – ${TITLE}`,
    `Réunion ${TITLE}`,
    ITEM,
    `Motion – ${MOTION}`,
    'Quorum',
    'Adoptée',
    MINUTES,
    `Référence de la réunion ${meetingId}`,
  ]) {
    expect(words, `the PDF says ${expected}`).toContain(expected);
  }
  expect(words).toMatch(/Présidente Lefort Présidence \d\d:\d\d:\d\d – en séance/);
  expect(words).toMatch(/Membre Élodie Membre \d\d:\d\d:\d\d – en séance/);
  // The floor turn, and the open ballot's names.
  // (pdftotext -layout may read a short "3 s" as "3s".)
  expect(words).toMatch(/Membre Élodie \d\d:\d\d:\d\d – \d\d:\d\d:\d\d \d+ ?s/);
  expect(words).toMatch(/Membre Élodie Pour/);

  // The printed hash is the SHA-256 of the Markdown text downloaded with the PDF.
  const textDownload = chair.waitForEvent('download');
  await chair.getByTestId('export-minutes-pdf-text').click();
  const canonical = await readFile(await (await textDownload).path());
  const textHash = createHash('sha256').update(canonical).digest('hex');
  await expect(chair.getByTestId('export-pdf-text-sha256')).toHaveText(textHash);
  expect(words).toContain(`SHA-256 du procès-verbal au format Markdown : ${textHash}`);
  // Negative control: the text changed by one character has another hash, not printed.
  const altered = createHash('sha256')
    .update(Buffer.concat([canonical, Buffer.from(' ')]))
    .digest('hex');
  expect(words).not.toContain(altered);
});
