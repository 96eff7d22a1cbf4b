import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { ROOT } from '../servers.ts';

/** Where the screenshots of every page state go (CI keeps them as artefacts). */
export const SCREENSHOT_DIR = join(ROOT, '.tools/reports/screenshots');

/** The WCAG levels the product commits to: A and AA, 2.0 and 2.1. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** What fails the audit; moderate and minor findings are reported by axe but not blocking. */
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);
/** How many offending elements a failure names: enough to find the culprit, short enough to read. */
const MAX_NAMED = 6;

export interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  /** The widest elements that stick out past the right edge, described for a person. */
  culprits: string[];
}

export interface AuditFindings {
  state: string;
  width: number;
  overflow: Overflow | null;
  /** Serious or critical axe violations, one line each: rule id, impact, targets. */
  violations: string[];
}

/**
 * Whether the page scrolls sideways, and if so which elements push it: those
 * whose right edge passes the viewport and that no scrolling or clipping box
 * contains (a table inside an overflow-x:auto wrapper scrolls on its own and
 * is not the page's problem).
 */
export async function horizontalOverflow(page: Page): Promise<Overflow | null> {
  return page.evaluate((maxNamed) => {
    const root = document.scrollingElement ?? document.documentElement;
    const clientWidth = root.clientWidth;
    const scrollWidth = root.scrollWidth;
    if (scrollWidth <= clientWidth) {
      return null;
    }
    const describe = (element: Element): string => {
      const testId = element.getAttribute('data-testid');
      const classes = [...element.classList]
        .slice(0, 3)
        .map((name) => `.${name}`)
        .join('');
      const id = element.id ? `#${element.id}` : '';
      return `${element.tagName.toLowerCase()}${id}${classes}${testId ? `[data-testid="${testId}"]` : ''}`;
    };
    // Whether a box that scrolls or clips contains the element. Only ancestors on its chain of
    // containing blocks clip it: an absolutely positioned element (a visually hidden label) escapes
    // every static ancestor, overflow:auto included, and then stretches the page itself.
    const clipped = (element: Element): boolean => {
      let position = getComputedStyle(element).position;
      if (position === 'fixed') {
        return true;
      }
      for (
        let parent = element.parentElement;
        parent && parent !== document.body;
        parent = parent.parentElement
      ) {
        const style = getComputedStyle(parent);
        if (position === 'absolute' && style.position === 'static') {
          continue;
        }
        if (style.overflowX !== 'visible' && parent.getBoundingClientRect().right <= clientWidth + 1) {
          return true;
        }
        position = style.position;
      }
      return false;
    };
    const offenders: { text: string; right: number; width: number }[] = [];
    for (const element of document.body.querySelectorAll('*')) {
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.right <= clientWidth + 1 || clipped(element)) {
        continue;
      }
      offenders.push({
        text: `${describe(element)} (${Math.round(rect.width)} px wide, right edge at ${Math.round(rect.right)} px)`,
        right: rect.right,
        width: rect.width,
      });
    }
    // The innermost widest boxes first: an element is listed before the parents it stretches.
    offenders.sort((a, b) => b.right - a.right || a.width - b.width);
    return { scrollWidth, clientWidth, culprits: offenders.slice(0, maxNamed).map((o) => o.text) };
  }, MAX_NAMED);
}

/** The serious and critical WCAG A/AA violations axe-core finds on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Only violations are read: axe skips collecting passes and incomplete nodes, which halves its time.
  const results = await new AxeBuilder({ page })
    .withTags(AXE_TAGS)
    .options({ resultTypes: ['violations'] })
    .analyze();
  return results.violations
    .filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''))
    .map((violation) => {
      const targets = violation.nodes
        .slice(0, MAX_NAMED)
        .map((node) => node.target.map(String).join(' > '))
        .join(' | ');
      const more = violation.nodes.length > MAX_NAMED ? ` (+${violation.nodes.length - MAX_NAMED} more)` : '';
      return `${violation.id} [${violation.impact}]: ${targets}${more}`;
    });
}

/** Audits one page state at the page's current width and saves its full-page screenshot. */
export async function auditState(page: Page, state: string): Promise<AuditFindings> {
  const width = page.viewportSize()?.width ?? 0;
  // Let a layout change (a resize, a panel that opened) settle before measuring.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  const overflow = await horizontalOverflow(page);
  const violations = await axeViolations(page);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${state}-${width}.png`), fullPage: true });
  return { state, width, overflow, violations };
}

/** The findings as a person reads them in a failure message; empty when the state passes. */
export function describeFindings(findings: AuditFindings): string {
  const lines: string[] = [];
  if (findings.overflow) {
    const { scrollWidth, clientWidth, culprits } = findings.overflow;
    lines.push(`scrolls horizontally: ${scrollWidth} px of content in ${clientWidth} px; widest offenders:`);
    lines.push(...culprits.map((culprit) => `    ${culprit}`));
  }
  if (findings.violations.length > 0) {
    lines.push('axe serious/critical violations:');
    lines.push(...findings.violations.map((violation) => `    ${violation}`));
  }
  return lines.length === 0 ? '' : `${findings.state} at ${findings.width} px\n  ${lines.join('\n  ')}`;
}
