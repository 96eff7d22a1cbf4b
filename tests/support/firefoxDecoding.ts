/**
 * Proof that media plays, for a meeting mixing Firefox (puppeteer pages) and
 * Chromium (Playwright pages): the same measure as tests/support/meeting.ts
 * (`framesDecoded` / `totalSamplesReceived` rising, from the page's own
 * `window.__meeting.getStats()`), over a reader that works for either kind
 * of page.
 */
import { expect, type Page as ChromiumPage } from '@playwright/test';
import type { Page as FirefoxPage } from 'puppeteer-core';
import type { InboundStat } from './meeting.ts';

/** Reads the inbound streams a page decodes. */
export interface StatsReader {
  readonly label: string;
  read(): Promise<InboundStat[]>;
  /** The page's E2EE transforms and their counters. */
  transforms(): Promise<RecvTransformStats[]>;
}

function readHooks(): Promise<InboundStat[]> {
  if (!window.__meeting) {
    throw new Error('window.__meeting is missing (a web build without VITE_TEST_HOOKS?)');
  }
  return window.__meeting.getStats();
}

export function firefoxStats(page: FirefoxPage, label: string): StatsReader {
  return {
    label: `${label} (Firefox)`,
    read: () => page.evaluate(readHooks),
    transforms: () => page.evaluate(readTransforms),
  };
}

export function chromiumStats(page: ChromiumPage, label: string): StatsReader {
  return {
    label: `${label} (Chromium)`,
    read: () => page.evaluate(readHooks),
    transforms: () => page.evaluate(readTransforms),
  };
}

export interface Progress {
  before: number;
  after: number;
  delta: number;
}

async function counter(
  reader: StatsReader,
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
): Promise<number> {
  const field = kind === 'video' ? 'framesDecoded' : 'totalSamplesReceived';
  const stat = (await reader.read()).find(
    (s) => s.memberId === memberId && s.source === source && s.kind === kind,
  );
  return stat?.[field] ?? 0;
}

/** How much the page decoded of one remote stream over `ms` (a stream not there counts as 0). */
export async function progressOf(
  reader: StatsReader,
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
  ms: number,
): Promise<Progress> {
  const before = await counter(reader, memberId, source, kind);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await counter(reader, memberId, source, kind);
  return { before, after, delta: after - before };
}

/** Waits (bounded) until the stream decodes, then requires steady progress over 4 s. */
export async function expectDecodingIn(
  reader: StatsReader,
  memberId: string,
  source: string,
  kind: 'audio' | 'video',
): Promise<Progress> {
  await expect
    .poll(async () => (await progressOf(reader, memberId, source, kind, 1000)).delta, {
      timeout: 30_000,
      message: `${reader.label}: ${kind} ${source} of ${memberId} never started decoding`,
    })
    .toBeGreaterThan(0);
  const measured = await progressOf(reader, memberId, source, kind, 4000);
  // As meeting.ts: >= 2 fps over 4 s for video; a quarter of 48 kHz for audio.
  const minimum = kind === 'video' ? 8 : 48_000;
  expect(
    measured.delta,
    `${reader.label}: ${kind} ${source}: ${JSON.stringify(measured)}`,
  ).toBeGreaterThanOrEqual(minimum);
  process.stdout.write(
    `  ${reader.label} decoded ${kind} ${source} of ${memberId.slice(0, 6)}: +${measured.delta} in 4 s\n`,
  );
  return measured;
}

/** What the page's E2EE worker refused of one remote stream (window.__meeting.getE2eeStats()). */
interface RecvTransformStats {
  role: string;
  memberId: string | null;
  source: string;
  decrypted: number;
  dropped: Record<string, number>;
}

function readTransforms(): Promise<RecvTransformStats[]> {
  const hooks = window.__meeting as unknown as {
    getE2eeStats(): Promise<{ transforms: RecvTransformStats[] }>;
  };
  return hooks.getE2eeStats().then((report) => report.transforms);
}

async function refusedAndOpened(
  reader: StatsReader,
  memberId: string,
  source: string,
): Promise<{ badTag: number; decrypted: number }> {
  const transform = (await reader.transforms()).find(
    (t) => t.role === 'recv' && t.memberId === memberId && t.source === source,
  );
  return { badTag: transform?.dropped['bad-tag'] ?? 0, decrypted: transform?.decrypted ?? 0 };
}

/**
 * Negative control after a wrong key: the member's frames keep arriving and the page's E2EE
 * worker refuses them (`bad-tag` rising, nothing more opened), and the decoder then stalls: a
 * 3-s window with (almost) no frame decoded. On a loaded machine the decoder lags the worker by
 * a second or more, so the frames opened before the key changed may still be decoding: the
 * stall is awaited (bounded), not assumed after a fixed delay.
 */
export async function expectStalled(
  reader: StatsReader,
  memberId: string,
  source: string,
): Promise<Progress> {
  const start = await refusedAndOpened(reader, memberId, source);
  let stalled: Progress | undefined;
  await expect
    .poll(
      async () => {
        stalled = await progressOf(reader, memberId, source, 'video', 3000);
        return stalled.delta;
      },
      { timeout: 20_000, intervals: [0], message: `${reader.label} kept decoding ${source} of ${memberId}` },
    )
    .toBeLessThanOrEqual(2);
  const end = await refusedAndOpened(reader, memberId, source);
  expect(end.badTag - start.badTag, `${reader.label}: frames refused by the worker`).toBeGreaterThanOrEqual(
    10,
  );
  expect(
    end.decrypted - start.decrypted,
    `${reader.label}: frames opened with a wrong key`,
  ).toBeLessThanOrEqual(2);
  process.stdout.write(
    `  ${reader.label} with a wrong key for ${memberId.slice(0, 6)}: ${source} +${stalled!.delta} decoded in 3 s, ` +
      `${end.badTag - start.badTag} frames refused, ${end.decrypted - start.decrypted} opened\n`,
  );
  return stalled!;
}
