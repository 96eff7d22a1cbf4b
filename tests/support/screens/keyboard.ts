import type { Page } from '@playwright/test';

/** A page with more stops than this before the control is not usable by keyboard. */
const MAX_TAB_STOPS = 60;

/** What has the focus, described for a failure message. */
async function focused(page: Page): Promise<{ testId: string | null; text: string }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) {
      return { testId: null, text: '(body)' };
    }
    const label = element.getAttribute('aria-label') ?? (element.textContent ?? '').trim().slice(0, 30);
    return {
      testId: element.getAttribute('data-testid'),
      text: `${element.tagName.toLowerCase()} "${label}"`,
    };
  });
}

/**
 * Moves the focus with Tab (or Shift+Tab) only until the element with that
 * test id has it, as a keyboard user does; fails naming every stop on the way
 * if it is not reached.
 */
export async function tabTo(
  page: Page,
  testId: string,
  direction: 'forward' | 'back' = 'forward',
): Promise<void> {
  const stops: string[] = [];
  for (let count = 0; count < MAX_TAB_STOPS; count += 1) {
    const now = await focused(page);
    if (now.testId === testId) {
      return;
    }
    stops.push(now.testId ? `${now.text} [${now.testId}]` : now.text);
    await page.keyboard.press(direction === 'forward' ? 'Tab' : 'Shift+Tab');
  }
  throw new Error(
    `${testId} is not reachable with the keyboard; the focus went through: ${stops.join(', ')}`,
  );
}
