import { randomBytes } from 'node:crypto';
import {
  expect,
  test,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { CSRF_HEADER } from '@confidentiel/protocol';
import { createOrganiser, signIn } from '../support/organiser.ts';
import { closeJoinedContexts } from '../support/meeting.ts';
import {
  expectNoServerWords,
  recordedMessages,
  recordServerWords,
  serverWordsShown,
} from '../support/serverWords.ts';

/**
 * Issue 14, "errors a person can act on": every dead end (an unknown, revoked
 * or used invitation link, a meeting that does not exist, removal, the host
 * link signed out, a cancelled meeting) says what to do next in French and
 * offers no join button; unknown paths get the app's « Page introuvable »
 * with HTTP 404; a passcode is taken as people type it and a malformed one is
 * about the passcode; a personal invitation pre-fills the name. On every one
 * of these pages, nothing a server said to developers (its English `message`,
 * a refusal reason, JSON) is shown: the pages record every answer and
 * Socket.IO frame they receive and look for those words in their own text.
 */

test.afterEach(closeJoinedContexts);

const contexts = new Set<BrowserContext>();
test.afterEach(async () => {
  await Promise.all([...contexts].map((c) => c.close().catch(() => undefined)));
  contexts.clear();
});

/** An id the service could have made (128 bits, base64url) but did not. */
const unknownId = (): string => randomBytes(16).toString('base64url');

/** A fresh French-speaking browser profile whose page records what servers tell it. */
async function frenchPage(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR' });
  contexts.add(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  recordServerWords(page);
  return page;
}

/** A dead end: its French heading and no way to a join that can only fail. */
async function expectDeadEnd(page: Page, kind: string, heading: string): Promise<void> {
  await expect(page.getByTestId('dead-end')).toHaveAttribute('data-dead-end', kind);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByTestId('join-button')).toHaveCount(0);
  await expect(page.getByTestId('display-name-input')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /rejoindre/i })).toHaveCount(0);
  await expectNoServerWords(page);
}

/** The organiser's API, as the organiser's signed-in browser calls it (session cookie + CSRF). */
class Organiser {
  readonly page: Page;
  readonly request: APIRequestContext;
  readonly csrf: string;

  constructor(page: Page, request: APIRequestContext, csrf: string) {
    this.page = page;
    this.request = request;
    this.csrf = csrf;
  }

  /** A new account each time: a one-time code is accepted once, and two sign-ins may fall in one period. */
  static async signIn(browser: Browser): Promise<Organiser> {
    const account = createOrganiser(
      `greffe-${randomBytes(6).toString('hex')}@example.fr`,
      'Greffe du tribunal',
    );
    const page = await frenchPage(browser, 'organiser');
    await signIn(page, account);
    const session = await page.request.get('/api/auth/session');
    expect(session.status()).toBe(200);
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    return new Organiser(page, page.request, csrfToken);
  }

  async post<T>(path: string, data: unknown, status = 201): Promise<T> {
    const res = await this.request.post(path, { data, headers: { [CSRF_HEADER]: this.csrf } });
    expect(res.status(), `${path}: ${await res.text()}`).toBe(status);
    return (status === 204 ? undefined : await res.json()) as T;
  }

  async meeting(title: string): Promise<string> {
    const meeting = await this.post<{ meetingId: string }>('/api/organiser/meetings', {
      title,
      kind: 'meeting',
      startsAt: Date.now() + 60_000,
      allowEarlyEntry: true,
    });
    return meeting.meetingId;
  }

  async invite(
    meetingId: string,
    options: { label?: string; requirePasscode?: boolean; singleUse?: boolean } = {},
  ): Promise<{ path: string; inviteId: string; passcode: string | null }> {
    const created = await this.post<{ invite: { inviteId: string }; passcode: string | null }>(
      `/api/organiser/meetings/${meetingId}/invites`,
      {
        label: options.label ?? null,
        requirePasscode: options.requirePasscode ?? false,
        requireAdmission: false,
        singleUse: options.singleUse ?? false,
      },
    );
    const inviteId = created.invite.inviteId;
    return { path: `/i/${inviteId}`, inviteId, passcode: created.passcode };
  }
}

test("unknown paths get the app's own « Page introuvable » with HTTP 404, and API paths keep JSON", async ({
  browser,
}) => {
  const page = await frenchPage(browser, 'visitor');
  const paths = [
    '/nulle-part',
    '/m/',
    '/m/court',
    `/m/${unknownId()}/en-trop`,
    '/i/lien-tronque',
    '/h/x',
    '/organisateur/inconnu',
    '/organisateur/reunions/x',
    '/connexion/encore',
  ];
  for (const path of paths) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByTestId('not-found-page'), path).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 }), path).toHaveText('Page introuvable');
    await expect(page.getByRole('link', { name: "Retour à l'accueil" }), path).toBeVisible();
    await expect(page.getByTestId('join-button'), path).toHaveCount(0);
    await expectNoServerWords(page);
  }
  await page.screenshot({ path: '../.tools/reports/screenshots/not-found-1280.png' });
  // Controls: a page the app knows is 200; an API path stays JSON for programs.
  expect((await page.goto('/connexion'))?.status()).toBe(200);
  const api = await page.request.get('/api/nulle-part', { headers: { accept: 'text/html' } });
  expect(api.status()).toBe(404);
  expect(api.headers()['content-type']).toMatch(/^application\/json/);
});

test('a link to a meeting that does not exist is a dead end that says what to do, with no join button', async ({
  browser,
}) => {
  const page = await frenchPage(browser, 'guest');
  await page.goto(`/m/${unknownId()}#k=${randomBytes(32).toString('base64url')}`);
  await expectDeadEnd(page, 'meeting-not-found', 'Réunion introuvable');
  await page.screenshot({ path: '../.tools/reports/screenshots/dead-end-1280.png' });
  await expect(page.getByTestId('join-error')).toContainText(
    'Aucune réunion accessible ne correspond à ce lien',
  );
  await expect(page.getByText('demandez-le à nouveau à la personne qui vous a invité')).toBeVisible();
  // The page did ask the server, which answered in English for developers.
  expect(recordedMessages(page)).toContain('room not found');
});

test('the host link while signed out asks to sign in and comes back, with no join button', async ({
  browser,
}) => {
  const page = await frenchPage(browser, 'stranger');
  const meetingId = unknownId();
  await page.goto(`/h/${meetingId}`);
  await expectDeadEnd(page, 'sign-in', "Connectez-vous pour rejoindre en tant qu'hôte");
  await expect(page.getByText("utilisez le lien d'invitation que vous avez reçu")).toBeVisible();
  await page.getByRole('link', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(`/connexion?retour=${encodeURIComponent(`/h/${meetingId}`)}`);
});

test('an unknown, a revoked and a used invitation link are dead ends; so is a cancelled or unknown meeting for its host', async ({
  browser,
}) => {
  const organiser = await Organiser.signIn(browser);
  const meetingId = await organiser.meeting('Audience du 12 mars');
  const revoked = await organiser.invite(meetingId);
  await organiser.post(`/api/organiser/meetings/${meetingId}/invites/${revoked.inviteId}/revoke`, {}, 204);
  const used = await organiser.invite(meetingId, { singleUse: true });
  const guest = await frenchPage(browser, 'guest');
  const redeemed = await guest.request.post(`/api/invites/${used.inviteId}/join-tokens`, {
    data: { displayName: 'Premier invité' },
  });
  expect(redeemed.status()).toBe(201);

  for (const path of [`/i/${unknownId()}`, revoked.path, used.path]) {
    await guest.goto(path);
    await expectDeadEnd(guest, 'invite-invalid', "Ce lien d'invitation n'est plus valable");
    await expect(guest.getByText('Demandez un nouveau lien à la personne qui vous a invité.')).toBeVisible();
  }
  expect(recordedMessages(guest)).toContain('this invitation link is not valid');

  // The organiser's own host link: an unknown meeting, then a cancelled one.
  const host = organiser.page;
  await host.goto(`/h/${unknownId()}`);
  await expectDeadEnd(host, 'meeting-not-found', 'Réunion introuvable');
  await organiser.post(`/api/organiser/meetings/${meetingId}/cancel`, {}, 200);
  await host.goto(`/h/${meetingId}`);
  await expectDeadEnd(host, 'meeting-cancelled', 'Cette réunion a été annulée');
  await host.getByRole('link', { name: 'Mes réunions' }).click();
  await expect(host).toHaveURL(/\/organisateur$/);
});

test('a personal invitation pre-fills the name; a passcode is taken as people type it; a malformed one is about the passcode; removal is a dead end', async ({
  browser,
}) => {
  const organiser = await Organiser.signIn(browser);
  const meetingId = await organiser.meeting('Consultation dossier 2026-204');
  const invite = await organiser.invite(meetingId, { label: 'Client Martin', requirePasscode: true });
  const passcode = invite.passcode!;
  expect(passcode).toMatch(/^\d{8}$/);

  const guest = await frenchPage(browser, 'client');
  await guest.goto(`${invite.path}#k=${randomBytes(32).toString('base64url')}`);
  await expect(guest.getByTestId('invite-meeting')).toContainText('Consultation dossier 2026-204');
  // The name the organiser gave the invitation.
  await expect(guest.getByTestId('display-name-input')).toHaveValue('Client Martin');

  // Malformed: the page says it is the passcode, marks that field, and leaves the name alone.
  const passcodeInput = guest.getByTestId('passcode-input');
  await passcodeInput.fill('12 34 5A');
  await guest.getByTestId('join-button').click();
  await expect(guest.getByTestId('join-error')).toContainText("Ce code d'accès n'a pas la bonne forme");
  await expect(passcodeInput).toHaveAttribute('aria-invalid', 'true');
  await expect(guest.getByTestId('display-name-input')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(guest.getByText('nom', { exact: false }).filter({ hasText: "n'est pas accepté" })).toHaveCount(
    0,
  );
  await expectNoServerWords(guest);
  // The server says the same of a malformed passcode: the passcode field, not the name.
  const malformed = await guest.request.post(`/api/invites/${invite.inviteId}/join-tokens`, {
    data: { displayName: 'Client Martin', passcode: '12ab' },
  });
  expect(malformed.status()).toBe(400);
  expect(await malformed.json()).toMatchObject({ reason: 'invalid-payload', field: 'passcode' });

  // A wrong passcode: said on the passcode field, in French.
  const wrong = passcode === '00000000' ? '11111111' : '00000000';
  await passcodeInput.fill(wrong);
  await guest.getByTestId('join-button').click();
  await expect(guest.getByTestId('join-error')).toHaveText("Code d'accès incorrect.");
  await expect(passcodeInput).toHaveAttribute('aria-invalid', 'true');
  await expectNoServerWords(guest);
  expect(recordedMessages(guest)).toContain('wrong passcode');

  // Typed as it was dictated: "12 34-56 78" is the passcode.
  await passcodeInput.fill(
    `${passcode.slice(0, 2)} ${passcode.slice(2, 4)}-${passcode.slice(4, 6)} ${passcode.slice(6)}`,
  );
  await guest.getByTestId('join-button').click();
  await expect(guest.getByTestId('leave-button')).toBeVisible();

  // The host comes in and removes the client.
  const host = organiser.page;
  host.on('dialog', (dialog) => void dialog.accept());
  await host.goto(`/h/${meetingId}`);
  await host.getByTestId('display-name-input').fill('Greffe du tribunal');
  await host.getByTestId('join-button').click();
  await expect(host.getByTestId('leave-button')).toBeVisible();
  const row = host.locator('[data-testid="participants-list"] li').filter({ hasText: 'Client Martin' });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await row.getByTestId('moderation-menu').locator('summary').click();
  await row.getByTestId('moderate-remove').click();
  // The app's own confirmation when it has one (a window.confirm is accepted above).
  const confirm = host.getByTestId('confirm-remove').getByTestId('confirm-dialog-confirm');
  await expect(async () => {
    if (await confirm.isVisible()) {
      await confirm.click();
    }
    await expect(guest.getByTestId('meeting-ended')).toHaveAttribute('data-end-reason', 'removed', {
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });
  await expectNoServerWords(guest);
  // The ended screen offers no way back that can only fail, and says what to do instead.
  await expect(guest.getByTestId('ended-next')).toContainText("contactez l'organisateur de la réunion");
  await expect(guest.getByTestId('rejoin-button')).toHaveCount(0);
  // Coming back by the same link (reloading the page) leads to a dead end that says so.
  await guest.reload();
  await expectDeadEnd(guest, 'invite-invalid', "Ce lien d'invitation n'est plus valable");
  // The personal link was revoked with its holder.
  const again = await frenchPage(browser, 'client-again');
  await again.goto(invite.path);
  await expectDeadEnd(again, 'invite-invalid', "Ce lien d'invitation n'est plus valable");
});

test('the check fails when a page shows a server message (negative control)', async ({ browser }) => {
  const page = await frenchPage(browser, 'control');
  await page.goto(`/i/${unknownId()}`);
  await expectDeadEnd(page, 'invite-invalid', "Ce lien d'invitation n'est plus valable");
  const [message] = recordedMessages(page);
  expect(message).toBe('this invitation link is not valid');
  // A page that would put the server's words on screen, as a careless one would.
  await page.evaluate((text) => {
    const p = document.createElement('p');
    p.textContent = `Erreur : ${text}`;
    document.querySelector('main')?.append(p);
  }, message!);
  expect(await serverWordsShown(page)).toEqual([`server message: ${message}`]);
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = '{"reason":"invite-invalid"}';
    document.querySelector('main')?.append(p);
  });
  const shown = await serverWordsShown(page);
  expect(shown).toContain('refusal reason: invite-invalid');
  expect(shown.some((s) => s.startsWith('JSON: '))).toBe(true);
  await expect(expectNoServerWords(page)).rejects.toThrow(/shows what a server said/);
});
