/**
 * Pages of a meeting, driven through the UI as a person does (the test ids
 * of apps/web, as the browser tests use them), each with the bench's probe.
 * Every wait is bounded.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { installProbe, type BenchWindow, type FirstMedia, type PageMark } from './probe.ts';

/** Bound of the UI steps (page load, preview, leaving). */
export const UI_TIMEOUT_MS = 20_000;

export interface ProbedPage {
  context: BrowserContext;
  page: Page;
  name: string;
}

/** A fresh context (its own profile, like a new visitor) with the probe installed. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  name: string,
  log: (m: string) => void,
): Promise<ProbedPage> {
  const context = await browser.newContext({ baseURL: baseUrl });
  await context.addInitScript(installProbe);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on('pageerror', (error) => log(`[${name}] page error: ${error.message}`));
  return { context, page, name };
}

/** An open meeting made from the home page; its path with the link secret (#k=...). */
export async function createOpenMeeting(browser: Browser, baseUrl: string): Promise<string> {
  const context = await browser.newContext({ baseURL: baseUrl });
  try {
    const home = await context.newPage();
    await home.goto('/', { timeout: UI_TIMEOUT_MS });
    await home.getByTestId('create-meeting').click({ timeout: UI_TIMEOUT_MS });
    await home.waitForURL(/\/m\/[A-Za-z0-9_-]{22,}/, { timeout: UI_TIMEOUT_MS });
    const url = new URL(home.url());
    return url.pathname + url.hash;
  } finally {
    await context.close();
  }
}

/**
 * The join screen (at `path`, or where the page is when null), name filled,
 * camera preview showing frames: the state a person is in just before
 * clicking « Rejoindre ».
 */
export async function readyToJoin(probed: ProbedPage, path: string | null): Promise<void> {
  const { page } = probed;
  if (path !== null) {
    await page.goto(path, { timeout: UI_TIMEOUT_MS });
  }
  await page.getByTestId('display-name-input').fill(probed.name);
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="local-video"]');
      return video !== null && video.readyState >= 2 && video.videoWidth > 0;
    },
    undefined,
    { timeout: UI_TIMEOUT_MS },
  );
}

/** Clicks « Rejoindre » (the probe time-stamps the click in the page). */
export async function clickJoin(probed: ProbedPage): Promise<void> {
  await probed.page.getByTestId('join-button').click({ timeout: UI_TIMEOUT_MS });
}

/** Joins and waits until the page is in the meeting with its camera on. */
export async function joinAndSettle(probed: ProbedPage, path: string | null): Promise<void> {
  await readyToJoin(probed, path);
  await clickJoin(probed);
  await probed.page.getByTestId('leave-button').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  await probed.page.waitForFunction(
    () => (window as unknown as BenchWindow).__meeting?.getState().local.camera === true,
    undefined,
    {
      timeout: UI_TIMEOUT_MS,
    },
  );
}

export async function selfId(page: Page): Promise<string> {
  const handle = await page.waitForFunction(
    () => (window as unknown as BenchWindow).__meeting?.getState().selfId ?? null,
    undefined,
    {
      timeout: UI_TIMEOUT_MS,
    },
  );
  return (await handle.jsonValue()) as string;
}

export async function memberIds(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    ((window as unknown as BenchWindow).__meeting?.getState().members ?? []).map((m) => m.memberId),
  );
}

/** Leaves through the UI (the server forgets the member at once), then closes the context. */
export async function leaveAndClose(probed: ProbedPage): Promise<void> {
  try {
    const waiting = probed.page.getByTestId('lobby-leave');
    if (await waiting.isVisible()) {
      await waiting.click({ timeout: UI_TIMEOUT_MS });
    }
    const leave = probed.page.getByTestId('leave-button');
    if (await leave.isVisible()) {
      await leave.click({ timeout: UI_TIMEOUT_MS });
      await probed.page.waitForFunction(
        () => (window as unknown as BenchWindow).__meeting === undefined,
        undefined,
        {
          timeout: UI_TIMEOUT_MS,
        },
      );
    }
  } finally {
    await probed.context.close();
  }
}

/** Waits (bounded) until `page` no longer lists `memberId`. */
export async function waitGone(page: Page, memberId: string): Promise<void> {
  await page.waitForFunction(
    (id) =>
      !((window as unknown as BenchWindow).__meeting?.getState().members ?? []).some(
        (m) => m.memberId === id,
      ),
    memberId,
    { timeout: UI_TIMEOUT_MS },
  );
}

export async function startPoll(page: Page, intervalMs: number): Promise<void> {
  await page.evaluate((ms) => (window as unknown as BenchWindow).__benchProbe?.startPoll(ms), intervalMs);
}

export async function stopPoll(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as BenchWindow).__benchProbe?.stopPoll());
}

export interface ProbeSnapshot {
  marks: PageMark[];
  first: Record<string, FirstMedia>;
  polls: number[];
}

export async function readProbe(page: Page): Promise<ProbeSnapshot> {
  return page.evaluate(() => {
    const probe = (window as unknown as BenchWindow).__benchProbe;
    if (!probe) {
      throw new Error('the bench probe is not in the page');
    }
    return { marks: [...probe.marks], first: { ...probe.first }, polls: [...probe.polls] };
  });
}

/**
 * Waits (bounded) until `viewer` has decoded a frame of `memberId`'s camera;
 * returns false past the bound.
 */
export async function waitFirstFrame(viewer: Page, memberId: string, timeoutMs: number): Promise<boolean> {
  try {
    await viewer.waitForFunction(
      (id) => {
        const media = (window as unknown as BenchWindow).__benchProbe?.first[id];
        return media?.frame !== undefined || media?.decoded !== undefined;
      },
      memberId,
      {
        timeout: timeoutMs,
        polling: 50,
      },
    );
    return true;
  } catch {
    return false;
  }
}
