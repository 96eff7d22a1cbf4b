import { expect, type Browser } from '@playwright/test';

/** Creates a meeting from the home page; returns its link's path and fragment (the link secret). */
export async function createMeetingViaUi(
  browser: Browser,
): Promise<{ path: string; meetingId: string; hash: string }> {
  const context = await browser.newContext();
  const home = await context.newPage();
  await home.goto('/');
  await home.getByTestId('create-meeting').click();
  await expect(home).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}/);
  const url = new URL(home.url());
  await context.close();
  const meetingId = url.pathname.split('/').pop() ?? '';
  return { path: url.pathname + url.hash, meetingId, hash: url.hash };
}
