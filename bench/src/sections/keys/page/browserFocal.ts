/**
 * The focal room (../focal.ts) in a Chromium page: the same KeyManager,
 * Chromium's WebCrypto. Bundled by chromium.ts; the page calls
 * `window.runFocal(n)`. A page has no CPU clock: each member's steps are
 * timed by the wall clock (the page does nothing else meanwhile).
 */
import { runFocal, type FocalResult } from '../focal.ts';

declare global {
  interface Window {
    runFocal: (n: number) => Promise<FocalResult>;
  }
}

window.runFocal = (n) => runFocal(n, () => performance.now());
