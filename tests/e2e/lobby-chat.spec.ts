import { expect, test, type Browser, type Page } from '@playwright/test';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';
import { closeJoinedContexts } from '../support/meeting.ts';

test.afterEach(closeJoinedContexts);

/** A page in a context of its own that records every Socket.IO frame it sends and receives. */
async function recordedPage(
  browser: Browser,
  name: string,
  viewport?: { width: number; height: number },
): Promise<{ page: Page; frames: string[] }> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => frames.push(String(frame.payload)));
    ws.on('framereceived', (frame) => frames.push(String(frame.payload)));
  });
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  return { page, frames };
}

/** `text` in any form a Socket.IO JSON frame could carry it (raw, or with \u escapes). */
function carries(frames: readonly string[], text: string): boolean {
  const escaped = JSON.stringify(text).slice(1, -1);
  const asciiEscaped = escaped.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return frames.some((f) => f.includes(text) || f.includes(escaped) || f.includes(asciiEscaped));
}

/**
 * The lobby chat end to end: a lawyer (host) writes to a client waiting at a level-3 invite, the
 * client reads it on the waiting screen (390 px wide) and answers; neither text ever crosses the
 * socket in clear, in either browser's frames.
 */
test('a host writes to the person waiting, who reads it and answers; the socket never carries the text', async ({
  browser,
}) => {
  const account = createOrganiser(`lobby-chat-${Date.now()}@example.fr`);
  const hostText = 'Bonjour Madame Martin, nous commençons dans 5 minutes (dossier 2026-117)';
  const reply = "Merci, j'arrive : je n'ai pas encore le code";

  const { page: lawyer, frames: lawyerFrames } = await recordedPage(browser, 'lawyer');
  lawyer.on('dialog', (dialog) => void dialog.accept());
  await signIn(lawyer, account);
  await lawyer.getByTestId('meeting-title-input').fill('Consultation dossier 2026-117');
  await lawyer.getByTestId('meeting-kind-select').selectOption('consultation');
  await lawyer.getByTestId('create-meeting-submit').click();
  await expect(lawyer.getByTestId('organiser-meeting')).toBeVisible();
  await lawyer.getByTestId('invite-personal').check();
  await lawyer.getByTestId('invite-label').fill('Client Martin');
  await lawyer.getByTestId('invite-level-3').check();
  await lawyer.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(lawyer, 'invite-link');
  // The link carries a secret in its fragment: identities are checked against it.
  expect(inviteLink).toMatch(/#k=[A-Za-z0-9_-]+$/);

  await lawyer.getByTestId('host-join-link').click();
  await lawyer.getByTestId('display-name-input').fill('Me Durand');
  await lawyer.getByTestId('join-button').click();
  await expect(lawyer.getByTestId('leave-button')).toBeVisible();

  // The client waits in the lobby, on a phone-sized screen.
  const { page: client, frames: clientFrames } = await recordedPage(browser, 'client', {
    width: 390,
    height: 844,
  });
  await client.goto(inviteLink);
  await client.getByTestId('display-name-input').fill('Client Martin');
  await client.getByTestId('join-button').click();
  await expect(client.getByTestId('lobby-waiting')).toHaveAttribute('data-reason', 'admission');
  await expect(client.getByTestId('lobby-chat-message')).toHaveCount(0);

  // The lawyer writes to everyone waiting (here: the client).
  await expect(lawyer.getByTestId('lobby-entry')).toHaveCount(1);
  await lawyer.getByTestId('lobby-chat-input').fill(hostText);
  await lawyer.getByTestId('lobby-chat-send').click();
  await expect(lawyer.getByTestId('lobby-chat-sent')).toContainText(hostText);

  // The client reads it on the waiting screen, in a polite live region, named as from the host.
  const message = client.getByTestId('lobby-chat-message');
  await expect(message).toHaveCount(1);
  await expect(message).toContainText(hostText);
  await expect(message).toContainText('Me Durand');
  await expect(message).toHaveAttribute('data-state', 'received');
  await expect(client.locator('[role="log"][aria-live="polite"]')).toContainText(hostText);
  // Nothing wider than the phone's screen.
  expect(await client.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The client answers; the lawyer reads it in the lobby panel.
  await client.getByTestId('lobby-chat-reply-input').fill(reply);
  await client.getByTestId('lobby-chat-reply-send').click();
  await expect(client.getByTestId('lobby-chat-sent')).toContainText(reply);
  await expect(lawyer.getByTestId('lobby-chat-received')).toContainText(reply);
  await expect(lawyer.getByTestId('lobby-chat-received')).toContainText('Client Martin');

  // What crossed the socket: the lobby messages went over it (control), never their texts.
  for (const [frames, otherName] of [
    [lawyerFrames, 'Client Martin'],
    [clientFrames, 'Me Durand'],
  ] as const) {
    expect(frames.some((f) => f.includes('"lobbyMessage"'))).toBe(true);
    expect(frames.some((f) => f.includes('"sendLobbyMessages"'))).toBe(true);
    // Control of the search: the other side's name, which the server relays in clear, is found.
    expect(carries(frames, otherName)).toBe(true);
    expect(carries(frames, hostText)).toBe(false);
    expect(carries(frames, reply)).toBe(false);
    expect(carries(frames, 'dossier 2026-117)')).toBe(false);
  }

  // Admitted, the client is in the meeting; the lobby chat is behind them.
  await lawyer.getByTestId('lobby-entry').getByTestId('lobby-admit').click();
  await expect(client.getByTestId('leave-button')).toBeVisible();

  await Promise.all([lawyer.context().close(), client.context().close()]);
});
