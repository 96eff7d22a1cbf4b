import { expect, type Browser, type Page } from '@playwright/test';

/** One inbound stream as the page reports it (window.__meeting.getStats()). */
export interface InboundStat {
  memberId: string;
  source: string;
  kind: 'audio' | 'video';
  framesDecoded?: number;
  totalSamplesReceived?: number;
  framesDropped?: number;
  pliCount?: number;
}

declare global {
  interface Window {
    __meeting?: { getStats(): Promise<InboundStat[]> };
  }
}

/** Opens a fresh browser context (its own profile) and joins `path` as `name` through the UI. */
export async function joinAs(browser: Browser, path: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    process.stderr.write(`[${name}] page error: ${error.message}\n`);
  });
  await page.goto(path);
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('leave-button')).toBeVisible();
  return page;
}

export async function memberIdOf(page: Page, displayName: string): Promise<string> {
  const tile = page.locator(`[data-testid="tile"][data-display-name="${displayName}"][data-source="camera"]`);
  await expect(tile).toHaveCount(1);
  const id = await tile.getAttribute('data-member-id');
  if (!id) {
    throw new Error(`no member id on ${displayName}'s tile`);
  }
  return id;
}

async function inbound(page: Page): Promise<InboundStat[]> {
  return page.evaluate(async () => {
    if (!window.__meeting) {
      throw new Error('window.__meeting is missing');
    }
    return window.__meeting.getStats();
  });
}

function pick(
  stats: InboundStat[],
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
): InboundStat | undefined {
  return stats.find((s) => s.memberId === memberId && s.source === source && s.kind === kind);
}

export interface Progress {
  before: number;
  after: number;
  delta: number;
}

/**
 * How much `page` decoded of one remote stream over `ms`: frames for video,
 * samples for audio. A stream that is not there counts as 0.
 */
export async function progress(
  page: Page,
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
  ms = 3000,
): Promise<Progress> {
  const field = kind === 'video' ? 'framesDecoded' : 'totalSamplesReceived';
  const before = pick(await inbound(page), memberId, source, kind)?.[field] ?? 0;
  await page.waitForTimeout(ms);
  const after = pick(await inbound(page), memberId, source, kind)?.[field] ?? 0;
  return { before, after, delta: after - before };
}

/** Waits until the stream is present and decoding, then requires steady progress over several seconds. */
export async function expectDecoding(
  page: Page,
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
): Promise<Progress> {
  await expect
    .poll(async () => (await progress(page, memberId, source, kind, 1000)).delta, {
      timeout: 30_000,
      message: `${kind} ${source} of ${memberId} never started decoding`,
    })
    .toBeGreaterThan(0);
  const measured = await progress(page, memberId, source, kind, 4000);
  // 20 fps fake camera: >= 2 fps over 4 s even on the lowest simulcast layer and a busy machine.
  // Audio: 48 kHz, so 4 s is ~192000 samples; require a quarter of that.
  const minimum = kind === 'video' ? 8 : 48_000;
  expect(
    measured.delta,
    `${kind} ${source} of ${memberId}: ${JSON.stringify(measured)}`,
  ).toBeGreaterThanOrEqual(minimum);
  process.stdout.write(
    `  decoded ${kind} ${source} of ${memberId.slice(0, 6)}: +${measured.delta} in 4 s (${measured.before} -> ${measured.after})\n`,
  );
  return measured;
}
