/**
 * Debian's Firefox ESR in the browser tests. Playwright 1.65 cannot drive it
 * (its juggler needs Playwright's own Firefox build; its BiDi channel sends
 * commands ESR 153 does not know), so puppeteer-core drives it over WebDriver
 * BiDi, from inside a Playwright spec: the Playwright runner, its shared
 * service and its report still apply.
 *
 * Each launch gets a fresh profile (puppeteer makes a temporary one and
 * deletes it on close) with a fake camera and microphone. Firefox gathers no
 * ICE candidate with only loopback: the spec gives the namespace a veth pair
 * and a default route first (tests/support/veth.ts).
 */
import { expect } from '@playwright/test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export type { Browser as FirefoxBrowser, Page as FirefoxPage } from 'puppeteer-core';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Bounds of one page wait (the meeting's joins take 1-5 s on two busy cores). */
const WAIT_MS = 20_000;

/** What the tests need of Firefox's settings. */
const PREFS: Record<string, unknown> = {
  // The fake camera (a colour cycle) and microphone (a tone), with no permission prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Screen share without the picker: Firefox then shares the fake source too.
  'media.getdisplaymedia.enabled': true,
  // Host candidates as addresses, not mDNS names (nothing resolves .local names here).
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // Remote audio and video play without a click (the fake devices have no user gesture).
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Nothing reaches out: no updates, telemetry, safe-browsing lists or captive-portal probes.
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  // The app's language is French by default: the browser's must not turn it English.
  'intl.accept_languages': 'fr-FR, fr',
};

/**
 * Launches Firefox ESR with a fresh profile: headless, or headed on a virtual display
 * (tests/support/xvfb.ts) when it must share its screen. Close it with `browser.close()`.
 */
export async function launchFirefox(options: { display?: string } = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: options.display === undefined,
    ...(options.display === undefined ? {} : { env: { ...process.env, DISPLAY: options.display } }),
    extraPrefsFirefox: PREFS,
    timeout: 60_000,
  });
}

const errorsOf = new WeakMap<Page, string[]>();

/**
 * A new page whose errors go to the test's output under `label` and are kept
 * (pageErrors): Firefox reports some things Chromium lets pass silently, e.g.
 * an eval refused by the page's Content-Security-Policy even when caught.
 */
export async function openPage(browser: Browser, label: string): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  errorsOf.set(page, errors);
  page.on('pageerror', (error) => {
    errors.push(String(error));
    process.stderr.write(`[${label} (Firefox)] page error: ${String(error)}\n`);
  });
  return page;
}

/** The errors the page raised so far (uncaught exceptions, CSP refusals). */
export function pageErrors(page: Page): string[] {
  return [...(errorsOf.get(page) ?? [])];
}

export function byTestId(testId: string, extra = ''): string {
  return `[data-testid="${testId}"]${extra}`;
}

/** Waits until an element is visible. */
export async function waitVisible(page: Page, selector: string, timeout = WAIT_MS): Promise<void> {
  await page.waitForSelector(selector, { visible: true, timeout });
}

/** The number of elements matching `selector`. */
export async function count(page: Page, selector: string): Promise<number> {
  return page.$$eval(selector, (elements) => elements.length);
}

/** An attribute of the first element matching `selector` (null if none or unset). */
export async function attribute(page: Page, selector: string, name: string): Promise<string | null> {
  return page.evaluate(
    (sel, attr) => document.querySelector(sel)?.getAttribute(attr) ?? null,
    selector,
    name,
  );
}

/** The text of the first element matching `selector` ('' if none). */
export async function text(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);
}

/** Polls an attribute until it equals `expected` (bounded). */
export async function expectAttribute(
  page: Page,
  selector: string,
  name: string,
  expected: string,
  timeout = WAIT_MS,
): Promise<void> {
  await expect
    .poll(() => attribute(page, selector, name), { timeout, message: `${selector} [${name}]` })
    .toBe(expected);
}

/** Types into a field (replacing what is there) the way a person does: key by key. */
export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).setTimeout(WAIT_MS).fill(value);
}

export async function click(page: Page, selector: string): Promise<void> {
  await page.locator(selector).setTimeout(WAIT_MS).click();
}

/** The display name then « Rejoindre », on the join or invitation page already open. */
export async function submitJoin(page: Page, name: string): Promise<void> {
  await fill(page, byTestId('display-name-input'), name);
  await click(page, byTestId('join-button'));
}

/** Opens `url` and joins as `name` through the UI; resolves once in the meeting. */
export async function joinInFirefox(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await submitJoin(page, name);
  await waitVisible(page, byTestId('leave-button'));
}

/** The member id on `displayName`'s camera tile. */
export async function memberIdIn(page: Page, displayName: string): Promise<string> {
  const selector = `[data-testid="tile"][data-display-name="${displayName}"][data-source="camera"]`;
  await waitVisible(page, selector);
  const id = await attribute(page, selector, 'data-member-id');
  if (!id) {
    throw new Error(`no member id on ${displayName}'s tile`);
  }
  return id;
}
