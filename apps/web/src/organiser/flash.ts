import type { ParseKeys } from 'i18next';

/**
 * A message for the next page ("Meeting created"), handed over when one page
 * navigates to another. Read with `peekFlash` (safe to call twice while
 * rendering), then dropped with `clearFlash` once shown.
 */
let pending: { path: string; message: ParseKeys } | null = null;

export function setFlash(path: string, message: ParseKeys): void {
  pending = { path, message };
}

/** The message left for `path`, if any. */
export function peekFlash(path: string): ParseKeys | null {
  return pending?.path === path ? pending.message : null;
}

export function clearFlash(): void {
  pending = null;
}
