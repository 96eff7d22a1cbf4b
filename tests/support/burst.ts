import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

/**
 * The camera every page of the burst spec sends: small and slow, so that six
 * Chromium pages (each encoding three simulcast layers and decoding up to five
 * cameras) fit on two cores beside the service. Frame counts still rise several
 * times a second, which is all the decoding measure needs.
 */
export const BURST_CAMERA = { width: 640, height: 360, frameRate: 10 } as const;

type CameraSize = { width: number; height: number; frameRate: number };

/**
 * Runs in the page before its scripts: every camera request asks for
 * `camera`'s size and rate instead of the app's 720p/30 (the test's choice,
 * not the product's; the fake device honours it).
 */
function shrinkCamera(camera: CameraSize): void {
  const devices = navigator.mediaDevices as MediaDevices | undefined;
  if (!devices) {
    return;
  }
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
    const video = constraints?.video;
    if (video) {
      const base = typeof video === 'object' ? video : {};
      constraints = {
        ...constraints,
        video: {
          ...base,
          width: { ideal: camera.width },
          height: { ideal: camera.height },
          frameRate: { ideal: camera.frameRate, max: camera.frameRate },
        },
      };
    }
    return original(constraints);
  };
}

/** Contexts the burst browser opened; closeBurstContexts() closes them. */
const burstContexts = new Set<BrowserContext>();

/**
 * `browser`, whose new contexts send the small camera: handed to the shared
 * helpers (joinAs) in place of the browser, so they keep their own
 * instruments (key capture, wire frames) and every page of the burst shares
 * one Chromium process, each in its own context (its own identity keys).
 */
export function burstBrowser(browser: Browser): Browser {
  const newContext: Browser['newContext'] = async (options) => {
    const context = await browser.newContext(options);
    burstContexts.add(context);
    await context.addInitScript(shrinkCamera, BURST_CAMERA);
    return context;
  };
  return new Proxy(browser, {
    get(target, property) {
      if (property === 'newContext') {
        return newContext;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Idempotent: closes every context burstBrowser() opened. */
export async function closeBurstContexts(): Promise<void> {
  const contexts = [...burstContexts];
  burstContexts.clear();
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
}

/** What this spec reads of `window.__meeting` beyond meeting.ts's declaration of it. */
export interface BurstHooks {
  getState(): { selfId: string | null };
  getStats(): Promise<
    Array<{ memberId: string; source: string; kind: string; framesDecoded?: number; producerId?: string }>
  >;
  getE2eeStats(): Promise<{
    senderEpoch: number | null;
    receivers: Array<{ memberId: string; epochs: number[] }>;
  }>;
  getSafetyCodes(): { room: string | null };
}

/** The page's own member id in the room. */
export async function selfIdOf(page: Page): Promise<string> {
  const id = await page.evaluate(
    () => (window as unknown as { __meeting?: BurstHooks }).__meeting?.getState().selfId ?? null,
  );
  if (!id) {
    throw new Error(`${page.url()} has no member id (not joined?)`);
  }
  return id;
}

/** Leaves through the UI and waits for the "you left" page. */
export async function leaveMeeting(page: Page): Promise<void> {
  await page.getByTestId('leave-button').click();
  await expect(page.getByTestId('left-page')).toBeVisible({ timeout: 15_000 });
}

/** From the "you left" page, joins again (the same choices, a new member id). */
export async function rejoinMeeting(page: Page): Promise<void> {
  await page.getByTestId('rejoin-button').click();
  await expect(page.getByTestId('leave-button')).toBeVisible({ timeout: 20_000 });
}

/** Milliseconds since `since`, rounded, for the log. */
export function elapsed(since: number, now: number = Date.now()): number {
  return Math.round(now - since);
}
