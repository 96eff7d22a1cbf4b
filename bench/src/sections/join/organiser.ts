/**
 * A meeting with a lobby, as an organiser makes it: an account made with the
 * admin CLI on the service's database (as an operator does), signed in with
 * password and one-time code, a meeting, and a shared level-3 invite (a host
 * admits each guest; no passcode). The host then joins from the meeting page.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from '@playwright/test';
import { joinAndSettle, openPage, selfId, UI_TIMEOUT_MS, type ProbedPage } from './pages.ts';

const run = promisify(execFile);
const PASSWORD = 'bench: correct horse battery staple';

/** RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s), as the organiser's authenticator app shows it. */
export function totpCode(base32Secret: string, nowMs: number = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32Secret.replace(/=+$/, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) {
      throw new TypeError('the TOTP secret is not base32');
    }
    bits += value.toString(2).padStart(5, '0');
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

async function createAccount(root: string, databasePath: string, email: string): Promise<string> {
  const child = run(
    process.execPath,
    [join(root, 'apps/signaling/src/cli/admin.ts'), 'create-account', '--email', email, '--name', 'Me Bench'],
    { env: { ...process.env, DATABASE_PATH: databasePath }, timeout: 60_000 },
  );
  child.child.stdin?.end(`${PASSWORD}\n`);
  const { stdout } = await child;
  return (JSON.parse(stdout) as { totpSecret: string }).totpSecret;
}

export interface LobbyMeeting {
  host: ProbedPage;
  hostId: string;
  /** The invite's path and link secret, as the guest opens it. */
  invitePath: string;
}

/**
 * Signs in, creates the meeting and its lobby invite, and joins as host. `serviceLog` is the
 * service's log: its database sits next to it (bench/src/core/service.ts).
 */
export async function openLobbyMeeting(
  browser: Browser,
  root: string,
  baseUrl: string,
  serviceLog: string,
  log: (m: string) => void,
): Promise<LobbyMeeting> {
  const email = `bench-${Date.now()}@example.fr`;
  const secret = await createAccount(root, join(dirname(serviceLog), 'confidentiel.sqlite'), email);
  const host = await openPage(browser, baseUrl, 'Hôte', log);
  const { page } = host;
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto('/connexion', { timeout: UI_TIMEOUT_MS });
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('one-time-code').fill(totpCode(secret));
  await page.getByTestId('one-time-code-submit').click();
  await page.waitForURL(/\/organisateur$/, { timeout: UI_TIMEOUT_MS });
  await page.getByTestId('meeting-title-input').fill('Banc d’essai : salle d’attente');
  await page.getByTestId('create-meeting-submit').click();
  await page.getByTestId('organiser-meeting').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await page.getByTestId('invite-shared').check();
  await page.getByTestId('invite-level-3').check();
  await page.getByTestId('invite-submit').click();
  const link = await page.getByTestId('invite-link').getAttribute('data-value', { timeout: UI_TIMEOUT_MS });
  if (!link) {
    throw new Error('the lobby invite link was not shown');
  }
  const invite = new URL(link);
  await page.getByTestId('host-join-link').click();
  await page.getByTestId('join-as-host').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await joinAndSettle(host, null);
  await page.getByTestId('lobby-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  return { host, hostId: await selfId(page), invitePath: invite.pathname + invite.hash };
}
