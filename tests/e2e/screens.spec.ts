import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  auditState,
  axeViolations,
  describeFindings,
  horizontalOverflow,
  type AuditFindings,
} from '../support/screens/audit.ts';
import { closeDevices, openDevice, PHONE } from '../support/screens/devices.ts';
import {
  askConfirmation,
  createMeetingFromDashboard,
  joinHere,
  joinPageReady,
  makeInvite,
} from '../support/screens/flows.ts';
import { tabTo } from '../support/screens/keyboard.ts';
import { openCockpitTab } from '../support/cockpit.ts';
import { createOrganiser, currentCode, PASSWORD, type CreatedAccount } from '../support/organiser.ts';
import { DATABASE_PATH, ROOT } from '../support/servers.ts';

/**
 * Every screen a person meets, at a phone's width (390 px, touch) and a
 * laptop's (1280 px): none may scroll sideways, axe-core finds no serious or
 * critical WCAG 2.1 A/AA violation, and each is saved as a screenshot under
 * .tools/reports/screenshots/<state>-<width>.png. The states are reached once,
 * through the UI, and shared by the tests below (serial): one organiser, one
 * consultation with invitations, one committee session with an agenda. The
 * last test gives the verdict on every state audited.
 */
test.describe.configure({ mode: 'serial' });
test.afterEach(closeDevices);

/**
 * Each test's bound. Generous: an audit takes 1 s on a quiet machine and up to a minute on a
 * loaded one (axe-core's colour checks next to live video and a running recording).
 */
const TEST_TIMEOUT_MS = 300_000;

const findings: AuditFindings[] = [];
const shared: {
  account?: CreatedAccount;
  /** The signed-in organiser's cookies and local storage (committee and link secrets). */
  organiser?: Awaited<ReturnType<BrowserContext['storageState']>>;
  consultation?: string;
  committee?: string;
  lobbyInvite?: string;
  committeeInvite?: string;
} = {};

test.afterAll(async () => {
  const summary = findings.map((f) => ({ ...f, passed: describeFindings(f) === '' }));
  await writeFile(join(ROOT, '.tools/reports/screens-audit.json'), `${JSON.stringify(summary, null, 2)}\n`);
});

/**
 * Audits the page as it is now and keeps the findings: the verdict test at the
 * end fails on them, naming every state, so one failing state does not hide
 * the others (and does not stop the serial run before they are reached).
 */
async function audit(page: Page, state: string): Promise<void> {
  const started = Date.now();
  findings.push(await auditState(page, state));
  process.stdout.write(
    `  audited ${state} at ${page.viewportSize()?.width} px in ${Date.now() - started} ms\n`,
  );
}

/** The same state at the other width, in the same page (a window made narrow, or wide). */
async function auditResized(
  page: Page,
  state: string,
  size: { width: number; height: number },
): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize(size);
  await audit(page, state);
  if (before) {
    await page.setViewportSize(before);
  }
}

function inviteAccount(email: string): string {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'apps/signaling/src/cli/admin.ts'), 'invite-account', '--email', email, '--name', 'Me Petit'],
    { env: { ...process.env, DATABASE_PATH }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(result.status, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { enrolPath: string }).enrolPath;
}

test('home, a join page, « Page introuvable », enrolment and sign-in at 390 and 1280 px', async ({
  browser,
}) => {
  test.setTimeout(TEST_TIMEOUT_MS);
  const account = createOrganiser(`ecrans-${Date.now()}@example.fr`, 'Me Durand');
  shared.account = account;
  const desk = await openDevice(browser, 'desktop');
  const phone = await openDevice(browser, 'phone');
  const both = [desk.page, phone.page];

  // The home page, and a meeting's join page made from it.
  for (const page of both) {
    await page.goto('/');
    await expect(page.getByTestId('create-meeting')).toBeVisible();
    await audit(page, 'home');
  }
  await desk.page.getByTestId('create-meeting').click();
  await expect(desk.page).toHaveURL(/\/m\//);
  const openMeeting = new URL(desk.page.url());
  for (const page of both) {
    await page.goto(openMeeting.pathname + openMeeting.hash);
    await joinPageReady(page);
    await audit(page, 'join');
  }

  for (const page of both) {
    await page.goto('/nulle-part/introuvable');
    await expect(page.getByTestId('not-found-page')).toBeVisible();
    await audit(page, 'not-found');
  }

  // Enrolment: one invitation each, as each start may make a new authenticator key.
  for (const page of both) {
    await page.goto(inviteAccount(`inscription-${Date.now()}-${both.indexOf(page)}@example.fr`));
    await expect(page.getByTestId('enrol-form')).toBeVisible();
    await audit(page, 'enrolment');
  }

  // Sign-in: the password step, then the one-time code step.
  for (const page of both) {
    await page.goto('/connexion');
    await expect(page.getByTestId('sign-in-email')).toBeVisible();
    await audit(page, 'sign-in');
    await page.getByTestId('sign-in-email').fill(account.email);
    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await expect(page.getByTestId('one-time-code')).toBeVisible();
    await audit(page, 'sign-in-code');
  }
  await desk.page.getByTestId('one-time-code').fill(currentCode(account.totpSecret));
  await desk.page.getByTestId('one-time-code-submit').click();
  await expect(desk.page).toHaveURL(/\/organisateur$/);

  // A consultation with a personal invitation (lobby) and a shared one; a committee with an agenda.
  shared.consultation = await createMeetingFromDashboard(desk.page, 'Consultation Dupont', 'consultation');
  shared.lobbyInvite = await makeInvite(desk.page, { label: 'Client Dupont', level: 3 });
  await makeInvite(desk.page, { level: 1 });
  await desk.page.goto('/organisateur');
  shared.committee = await createMeetingFromDashboard(desk.page, 'Commission des finances', 'committee');
  await desk.page.getByTestId('agenda-add').click();
  await desk.page.getByTestId('agenda-add').click();
  await desk.page.getByTestId('agenda-title-input').nth(0).fill('Approbation du procès-verbal');
  await desk.page.getByTestId('agenda-presenter-input').nth(0).fill('Présidente Martin');
  await desk.page.getByTestId('agenda-title-input').nth(1).fill('Budget 2027 : arbitrages entre sections');
  await desk.page.getByTestId('agenda-save').click();
  await expect(desk.page.getByTestId('agenda-saved')).toBeVisible();
  shared.committeeInvite = await makeInvite(desk.page, { level: 1 });
  shared.organiser = await desk.context.storageState();
});

test('the dashboard, the organiser meeting pages, the host and invitation join pages at 390 and 1280 px', async ({
  browser,
}) => {
  test.setTimeout(TEST_TIMEOUT_MS);
  expect(shared.organiser, 'the first test made the organiser and the meetings').toBeTruthy();
  const desk = await openDevice(browser, 'desktop', { storageState: shared.organiser });
  // The phone is the same organiser on another device: signed in, without this browser's secrets.
  const phone = await openDevice(browser, 'phone', {
    storageState: { cookies: shared.organiser!.cookies, origins: [] },
  });
  const both = [desk.page, phone.page];

  for (const page of both) {
    await page.goto('/organisateur');
    await expect(page.getByTestId('meeting-row')).toHaveCount(2);
    await audit(page, 'dashboard');
    await page.goto(`/organisateur/reunions/${shared.consultation}`);
    await expect(page.getByTestId('invite-row')).toHaveCount(2);
    // Seven columns on a laptop; on a phone, a list of cards with the same facts.
    const invitesAs = await page.getByTestId('invites-table').evaluate((element) => element.tagName);
    expect(invitesAs).toBe(page === phone.page ? 'UL' : 'TABLE');
    await audit(page, 'organiser-meeting');
    await page.goto(`/organisateur/reunions/${shared.committee}`);
    await expect(page.getByTestId('agenda-row')).toHaveCount(2);
    await expect(page.getByTestId('journal-key')).toBeVisible();
    await audit(page, 'organiser-committee');
    await page.goto(`/h/${shared.consultation}`);
    await joinPageReady(page);
    await audit(page, 'host-join');
  }

  // The same organiser pages in dark mode (the app follows the system's colour scheme).
  await desk.page.emulateMedia({ colorScheme: 'dark' });
  await desk.page.goto(`/organisateur/reunions/${shared.committee}`);
  await expect(desk.page.getByTestId('agenda-row')).toHaveCount(2);
  await audit(desk.page, 'organiser-committee-dark');
  await auditResized(desk.page, 'organiser-committee-dark', PHONE);

  // A guest opening the personal invitation.
  for (const device of ['desktop', 'phone'] as const) {
    const guest = await openDevice(browser, device);
    await guest.page.goto(shared.lobbyInvite!);
    await joinPageReady(guest.page);
    await audit(guest.page, 'invite-join');
  }
});

test('the lobby, the meeting with two people, its panels and its confirmations at 390 and 1280 px; a phone uses it by touch', async ({
  browser,
}) => {
  test.setTimeout(TEST_TIMEOUT_MS);
  expect(shared.organiser, 'the first test made the organiser and the meetings').toBeTruthy();
  // Two guests arrive before the host: one on a laptop (refused later), one on a phone (admitted).
  const deskGuest = await openDevice(browser, 'desktop');
  const phoneGuest = await openDevice(browser, 'phone');
  for (const [guest, name] of [
    [deskGuest.page, 'Client Bureau'],
    [phoneGuest.page, 'Client Dupont'],
  ] as const) {
    await guest.goto(shared.lobbyInvite!);
    await joinPageReady(guest);
    await joinHere(guest, name);
    await expect(guest.getByTestId('lobby-waiting')).toBeVisible();
    await audit(guest, 'lobby-waiting');
  }

  const host = (await openDevice(browser, 'desktop', { storageState: shared.organiser })).page;
  await host.goto(`/h/${shared.consultation}`);
  await joinPageReady(host);
  await joinHere(host, 'Me Durand');
  await expect(host.getByTestId('leave-button')).toBeVisible();
  await expect(host.getByTestId('lobby-entry')).toHaveCount(2);
  await audit(host, 'host-lobby');
  await auditResized(host, 'host-lobby', PHONE);

  await host
    .getByTestId('lobby-entry')
    .filter({ hasText: 'Client Bureau' })
    .getByTestId('lobby-refuse')
    .click();
  await expect(deskGuest.page.getByTestId('meeting-ended')).toHaveAttribute(
    'data-end-reason',
    'admission-refused',
  );
  await audit(deskGuest.page, 'refused');
  await host
    .getByTestId('lobby-entry')
    .filter({ hasText: 'Client Dupont' })
    .getByTestId('lobby-admit')
    .click();
  const guest = phoneGuest.page;
  await expect(guest.getByTestId('leave-button')).toBeVisible();
  for (const page of [host, guest]) {
    await expect(page.locator('[data-testid="tile"][data-source="camera"]')).toHaveCount(2);
  }
  await audit(host, 'meeting-grid');
  await audit(guest, 'meeting-grid');

  // Touch: the phone's controls are there to tap, and do what they say.
  const mic = guest.getByTestId('toggle-mic');
  await expect(mic).toHaveAttribute('aria-pressed', 'true');
  await mic.tap();
  await expect(mic).toHaveAttribute('aria-pressed', 'false');
  await mic.tap();
  await expect(mic).toHaveAttribute('aria-pressed', 'true');

  // The speaker layout, where the stage offers one.
  const speakerLayout = host.getByRole('button', { name: /orateur|intervenant|speaker/i });
  if ((await speakerLayout.count()) > 0) {
    await speakerLayout.first().click();
    await audit(host, 'meeting-speaker');
    await auditResized(host, 'meeting-speaker', PHONE);
    await speakerLayout.first().click();
  } else {
    test
      .info()
      .annotations.push({ type: 'missing', description: 'no speaker-layout control on the stage yet' });
  }

  // Chat open on both sides, a message sent.
  await host.getByTestId('toggle-chat').click();
  await host.getByTestId('chat-input').fill('Bonjour, vous m’entendez bien ?');
  await host.getByTestId('chat-send').click();
  await guest.getByTestId('toggle-chat').tap();
  await expect(guest.getByTestId('chat-message')).toHaveCount(1);
  await audit(host, 'meeting-chat');
  await audit(guest, 'meeting-chat');
  await host.getByTestId('toggle-chat').click();

  // The participants panel with the host's moderation menu open on the guest.
  await host.getByTestId('moderation-menu').locator('summary').click();
  await expect(host.getByTestId('moderate-remove')).toBeVisible();
  await audit(host, 'meeting-participants');
  await auditResized(host, 'meeting-participants', PHONE);

  // Confirmations: removing a participant, ending the meeting. Answered "no": nothing happens.
  for (const [state, trigger] of [
    ['dialog-remove', host.getByTestId('moderate-remove')],
    ['dialog-end', host.getByTestId('end-for-all')],
  ] as const) {
    if (!(await trigger.isVisible())) {
      await host.getByTestId('moderation-menu').locator('summary').click();
    }
    const asked = await askConfirmation(host, trigger);
    if (asked.kind === 'window.confirm') {
      test.info().annotations.push({ type: 'window.confirm', description: `${state}: "${asked.message}"` });
      process.stdout.write(`  ${state}: still window.confirm ("${asked.message}"), not the app's dialog\n`);
      continue;
    }
    await audit(host, state);
    await auditResized(host, state, PHONE);
    await host.keyboard.press('Escape');
    await expect(asked.dialog).toHaveCount(0);
  }
  await expect(guest.getByTestId('leave-button')).toBeVisible();

  await guest.getByTestId('leave-button').tap();
  await expect(guest.getByTestId('left-page')).toBeVisible();
  await audit(guest, 'left');
  await host.getByTestId('leave-button').click();
  await expect(host.getByTestId('left-page')).toBeVisible();
  await audit(host, 'left');
});

test('the committee panel, with an item open, a vote open and the recording running, at 390 and 1280 px', async ({
  browser,
}) => {
  test.setTimeout(TEST_TIMEOUT_MS);
  expect(shared.organiser, 'the first test made the organiser and the meetings').toBeTruthy();
  const chair = (await openDevice(browser, 'desktop', { storageState: shared.organiser })).page;
  await chair.goto(`/h/${shared.committee}`);
  await joinPageReady(chair);
  await joinHere(chair, 'Présidente Martin');
  await expect(chair.getByTestId('committee-panel')).toBeVisible();
  const member = (await openDevice(browser, 'phone')).page;
  await member.goto(shared.committeeInvite!);
  await joinPageReady(member);
  await joinHere(member, 'Membre Arnaud');
  await expect(member.getByTestId('committee-panel')).toBeVisible();

  // Once seen (rarely) on a loaded machine: a click right after joining opened nothing. Said, then retried.
  let clicks = 0;
  await expect(async () => {
    if ((await chair.getByTestId('current-item').count()) === 0) {
      clicks += 1;
      await chair.getByTestId('agenda-item').nth(0).getByTestId('agenda-open').click();
    }
    await expect(chair.getByTestId('current-item')).toContainText('Approbation du procès-verbal', {
      timeout: 5_000,
    });
  }).toPass({ timeout: 30_000 });
  if (clicks > 1) {
    process.stdout.write(`  the chair had to open the first item ${clicks} times\n`);
  }
  await expect(member.getByTestId('current-item')).toContainText('Approbation du procès-verbal');
  await openCockpitTab(chair, 'vote');
  await chair.getByTestId('vote-motion-input').fill('Approuver le procès-verbal de la séance du 12 mars');
  await chair.getByTestId('open-vote').click();
  await openCockpitTab(member, 'vote');
  await expect(member.getByTestId('vote-option').first()).toBeVisible();
  await openCockpitTab(chair, 'record');
  await chair.getByTestId('recording-start').click();
  await expect(chair.getByTestId('recording-stop')).toBeVisible();
  await expect(member.getByTestId('recording-indicator')).toBeVisible();

  await audit(chair, 'committee-chair');
  await auditResized(chair, 'committee-chair', PHONE);
  await audit(member, 'committee-member');

  await chair.getByTestId('recording-stop').click();
  await expect(chair.getByTestId('recording-status')).toHaveAttribute('data-phase', 'idle', {
    timeout: 30_000,
  });

  // Dark mode, the recording stopped: the library, the minutes' export.
  await chair.emulateMedia({ colorScheme: 'dark' });
  await audit(chair, 'committee-chair-dark');

  // Back on the meeting's page, the session's journal is there to download.
  await chair.emulateMedia({ colorScheme: 'light' });
  await chair.getByTestId('leave-button').click();
  await chair.goto(`/organisateur/reunions/${shared.committee}`);
  await expect(chair.getByTestId('journal-download').first()).toBeVisible();
  await audit(chair, 'organiser-journals');
  await auditResized(chair, 'organiser-journals', PHONE);
});

test('every state at both widths: no sideways scrolling, no serious or critical axe violation', () => {
  const states = new Set(findings.map((f) => `${f.state}-${f.width}`));
  // 43 state-width pairs, plus 4 for the confirmation dialogs and 2 for the speaker layout when present.
  expect(states.size, [...states].join(', ')).toBeGreaterThanOrEqual(43);
  const failures = findings.map(describeFindings).filter((text) => text !== '');
  expect(failures, `${failures.length} page states fail:\n\n${failures.join('\n\n')}`).toEqual([]);
});

test('the checks can fail: a 600 px wide block and a pale button on the phone home page are reported', async ({
  browser,
}) => {
  const { page } = await openDevice(browser, 'phone');
  await page.goto('/');
  await expect(page.locator('main h1')).toBeVisible();
  await page.evaluate(() => {
    const main = document.querySelector('main')!;
    const wide = document.createElement('div');
    wide.dataset.testid = 'too-wide';
    wide.style.cssText = 'width: 600px; height: 10px;';
    const pale = document.createElement('button');
    pale.id = 'pale-button';
    pale.textContent = 'Arrêter l’enregistrement';
    pale.style.cssText = 'color: #b8b8b8; background: #ffffff;';
    main.append(wide, pale);
  });
  const overflow = await horizontalOverflow(page);
  expect(overflow, 'the 600 px block makes the page scroll sideways').not.toBeNull();
  expect(overflow!.scrollWidth).toBeGreaterThan(PHONE.width);
  expect(overflow!.culprits[0]).toContain('[data-testid="too-wide"]');
  const violations = await axeViolations(page);
  expect(violations.find((line) => line.startsWith('color-contrast'))).toContain('#pale-button');
});

// Last: in serial mode a failure here must not keep the audit's verdict above from running.
test('a keyboard alone makes a meeting, joins it, and uses the microphone, camera, chat and leave buttons', async ({
  browser,
}) => {
  test.setTimeout(TEST_TIMEOUT_MS);
  const { page } = await openDevice(browser, 'desktop');
  await page.goto('/');
  await expect(page.getByTestId('create-meeting')).toBeVisible();
  await tabTo(page, 'create-meeting');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/m\//);
  await joinPageReady(page);

  await tabTo(page, 'display-name-input');
  await page.keyboard.type('Clavier Seul');
  await tabTo(page, 'join-button');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('leave-button')).toBeVisible();

  // Both devices on first (they start after the join; a press before that would turn them on).
  await expect(page.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('toggle-camera')).toHaveAttribute('aria-pressed', 'true');
  await tabTo(page, 'toggle-mic');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'false');
  await tabTo(page, 'toggle-camera');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toggle-camera')).toHaveAttribute('aria-pressed', 'false');

  await tabTo(page, 'toggle-chat');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toggle-chat')).toHaveAttribute('aria-expanded', 'true');
  await tabTo(page, 'chat-input');
  await page.keyboard.type('Écrit au clavier');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chat-message')).toContainText('Écrit au clavier');
  // Escape closes the chat and gives the focus back to its button.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('toggle-chat')).toBeFocused();

  await tabTo(page, 'leave-button');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('left-page')).toBeVisible();
});
