import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

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
    __meeting?: {
      getStats(): Promise<(InboundStat & { producerId?: string })[]>;
      installWrongKeyForTest?(memberId: string): Promise<void> | void;
      /** Local UDP ports of the selected ICE pairs of the page's transports. */
      getMediaPorts(): Promise<number[]>;
      getRepairCounts(): { iceRestarts: number; mediaResets: number; repaired: number };
      /** Negative controls: this page no longer repairs its media / no longer restarts ICE. */
      disableMediaRepairForTest(): void;
      disableIceRestartForTest(): void;
    };
  }
}

/** Every Socket.IO frame a page sent or received: what the server could see of it. */
export const wireFrames = new WeakMap<Page, string[]>();

/**
 * The test's own instrument (not the product's): records every key the page
 * hands to its E2EE worker, by wrapping Worker.prototype.postMessage before
 * any page script runs. Used to check that no key ever reaches the server and
 * that a member's old keys cannot open what is sent after it left.
 */
function captureWorkerKeys(): void {
  type Captured = { memberId?: string; senderIndex?: number; epoch?: number; key: number[] };
  const captured: Captured[] = [];
  (window as unknown as { __capturedKeys: Captured[] }).__capturedKeys = captured;
  const bytesOf = (value: unknown): number[] | undefined => {
    if (value instanceof Uint8Array) {
      return [...value];
    }
    if (value instanceof ArrayBuffer) {
      return [...new Uint8Array(value)];
    }
    return undefined;
  };
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 3) {
      return;
    }
    const record = value as Record<string, unknown>;
    const key = bytesOf(record.key);
    if (key && typeof record.epoch === 'number') {
      captured.push({
        key,
        epoch: record.epoch,
        ...(typeof record.memberId === 'string' ? { memberId: record.memberId } : {}),
        ...(typeof record.senderIndex === 'number' ? { senderIndex: record.senderIndex } : {}),
      });
    }
    for (const child of Object.values(record)) {
      visit(child, depth + 1);
    }
  };
  // Called below with the right `this` (the worker).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
    try {
      visit(message, 0);
    } catch {
      // never disturb the page
    }
    return (original as (...args: unknown[]) => void).call(this, message, ...rest);
  } as typeof Worker.prototype.postMessage;
}

export interface CapturedKey {
  memberId?: string;
  senderIndex?: number;
  epoch?: number;
  key: number[];
}

export async function capturedKeys(page: Page): Promise<CapturedKey[]> {
  return page.evaluate(() => (window as unknown as { __capturedKeys?: CapturedKey[] }).__capturedKeys ?? []);
}

/** Opens a fresh browser context (its own profile) and joins `path` as `name` through the UI. */
/** Contexts opened by joinAs, closed after each test so no meeting keeps streaming into the next. */
const joinedContexts = new Set<BrowserContext>();

export async function closeJoinedContexts(): Promise<void> {
  const contexts = [...joinedContexts];
  joinedContexts.clear();
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
}

export async function joinAs(browser: Browser, path: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  joinedContexts.add(context);
  await context.addInitScript(captureWorkerKeys);
  const page = await context.newPage();
  const frames: string[] = [];
  wireFrames.set(page, frames);
  page.on('websocket', (ws) => {
    ws.on('framesent', (frame) => frames.push(String(frame.payload)));
    ws.on('framereceived', (frame) => frames.push(String(frame.payload)));
  });
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

/**
 * Time from `since` until `viewer` decodes `senderId`'s camera again, or
 * +Infinity past the bound: frames must first have stopped (a 500 ms window
 * with none: frames still in flight at the fault do not count as a repair),
 * then rise again.
 */
export async function decodingAgain(
  viewer: Page,
  senderId: string,
  since: number,
  boundMs: number,
): Promise<number> {
  let stalled = false;
  for (;;) {
    const step = await progress(viewer, senderId, 'camera', 'video', 500);
    if (step.delta <= 0) {
      stalled = true;
    } else if (stalled) {
      return Date.now() - since;
    }
    if (Date.now() - since > boundMs) {
      return Number.POSITIVE_INFINITY;
    }
  }
}
