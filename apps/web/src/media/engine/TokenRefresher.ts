import type { Logger } from '../../logger.ts';
import type { Clock } from './clock.ts';

/** The room token is refreshed when this share of its life is left. */
const REFRESH_AT_REMAINING = 0.5;
/** Refresh attempts that fail are retried after this delay (the token has time left). */
export const REFRESH_RETRY_MS = 5_000;
/** Never sooner than this after scheduling (a token about to expire is refreshed at once, not in a loop). */
const MIN_REFRESH_DELAY_MS = 1_000;

export interface TokenRefresherOptions {
  /** Asks the server for a fresh token over the live connection (`expiresAt` in seconds). */
  refresh: () => Promise<{ token: string; expiresAt: number }>;
  /** A fresh token arrived. */
  onToken: (fresh: { token: string; expiresAt: number }) => void;
  clock: Clock;
  logger: Logger;
}

/** Keeps the room token fresh over the live socket before it expires (tokens live minutes). */
export class TokenRefresher {
  readonly #options: TokenRefresherOptions;
  #cancel: (() => void) | null = null;
  #closed = false;

  constructor(options: TokenRefresherOptions) {
    this.#options = options;
  }

  /** Schedules the refresh of `token` (nothing if it carries no expiry). */
  start(token: string): void {
    this.#schedule(tokenExpiry(token));
  }

  /** Idempotent. */
  close(): void {
    this.#closed = true;
    this.#cancel?.();
    this.#cancel = null;
  }

  #schedule(expiresAtMs: number | null): void {
    this.#cancel?.();
    this.#cancel = null;
    if (expiresAtMs === null || this.#closed) {
      return;
    }
    const { clock } = this.#options;
    const delay = Math.max(MIN_REFRESH_DELAY_MS, (expiresAtMs - clock.now()) * REFRESH_AT_REMAINING);
    this.#cancel = clock.schedule(() => void this.#refresh(expiresAtMs), delay);
  }

  async #refresh(expiresAtMs: number): Promise<void> {
    const { clock, logger } = this.#options;
    try {
      const fresh = await this.#options.refresh();
      if (this.#closed) {
        return;
      }
      this.#options.onToken(fresh);
      this.#schedule(fresh.expiresAt * 1000);
    } catch (error) {
      logger.warn('could not refresh the room token', error);
      if (!this.#closed && clock.now() + REFRESH_RETRY_MS < expiresAtMs) {
        this.#cancel = clock.schedule(() => this.#schedule(expiresAtMs), REFRESH_RETRY_MS);
      }
    }
  }
}

/** The `exp` of a JWT, in milliseconds (read, not verified: the server verifies). */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) {
    return null;
  }
  try {
    const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const exp = (json as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}
