import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test';

/** A laptop, the organiser's and the clerk's usual screen. */
export const DESKTOP = { width: 1280, height: 800 } as const;
/** A common phone (iPhone 12 to 15 class): a lawyer's client opening the invitation. */
export const PHONE = { width: 390, height: 844 } as const;

export type Device = 'desktop' | 'phone';

const OPTIONS: Record<Device, BrowserContextOptions> = {
  desktop: { viewport: DESKTOP },
  // Touch and the mobile meta-viewport, as a phone browser has them.
  phone: { viewport: PHONE, isMobile: true, hasTouch: true },
};

/** Contexts opened by the screens spec, closed after each test so no meeting streams into the next. */
const opened = new Set<BrowserContext>();

/** A fresh browser profile of that kind, French first as the service's users. */
export async function openDevice(
  browser: Browser,
  device: Device,
  extra: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'fr-FR', ...OPTIONS[device], ...extra });
  opened.add(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[${device}] page error: ${error.message}\n`));
  return { context, page };
}

export async function closeDevices(): Promise<void> {
  const contexts = [...opened];
  opened.clear();
  await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
}
