import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { DATABASE_PATH, ROOT } from './servers.ts';

export const PASSWORD = 'correct horse battery staple 42';

export interface CreatedAccount {
  email: string;
  totpSecret: string;
}

/** An organiser made the way an operator does: the admin CLI on the service's database. */
export function createOrganiser(email: string, name = 'Me Durand'): CreatedAccount {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'apps/signaling/src/cli/admin.ts'), 'create-account', '--email', email, '--name', name],
    { input: `${PASSWORD}\n`, env: { ...process.env, DATABASE_PATH }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(result.status, result.stderr).toBe(0);
  const created = JSON.parse(result.stdout) as { email: string; totpSecret: string };
  return { email: created.email, totpSecret: created.totpSecret };
}

/** The code an authenticator app would show now (the test is the organiser's phone). */
export function currentCode(secret: string): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  return totp.generate();
}

export async function signIn(page: Page, account: CreatedAccount): Promise<void> {
  await page.goto('/connexion');
  await page.getByTestId('sign-in-email').fill(account.email);
  await page.getByTestId('sign-in-password').fill(PASSWORD);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('one-time-code').fill(currentCode(account.totpSecret));
  await page.getByTestId('one-time-code-submit').click();
  await expect(page).toHaveURL(/\/organisateur$/);
}

/** Reads a value shown by the dashboard's copy fields. */
export async function shownValue(page: Page, testId: string): Promise<string> {
  const value = await page.getByTestId(testId).getAttribute('data-value');
  expect(value, `${testId} has no value`).toBeTruthy();
  return value!;
}
