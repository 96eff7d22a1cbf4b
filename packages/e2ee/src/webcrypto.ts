import { E2eeError } from './E2eeError.ts';

/**
 * WebCrypto types taken from the global `crypto`, so this package type-checks both with the DOM
 * lib (browser app) and with @types/node (Node, workers in tests), and pulls no Node module in.
 */
export type Subtle = typeof globalThis.crypto.subtle;
export type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

export function subtle(): Subtle {
  const s = (globalThis.crypto as typeof globalThis.crypto | undefined)?.subtle;
  if (s === undefined) {
    // Browsers expose WebCrypto only in secure contexts.
    throw new E2eeError('invalid-key', 'WebCrypto (crypto.subtle) is not available');
  }
  return s;
}
