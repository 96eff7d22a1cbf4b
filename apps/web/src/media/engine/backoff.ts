/** An exponential backoff: `baseMs`, twice that, four times... never above `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Between two ICE restarts of one transport: 0.5 s, 1 s, 2 s, 4 s, then every 8 s. */
export const ICE_RESTART_BACKOFF: Backoff = { baseMs: 500, maxMs: 8_000 };
/** Between two `reconnectMedia` attempts while the media server replaces a worker. */
export const RECONNECT_MEDIA_BACKOFF: Backoff = { baseMs: 500, maxMs: 4_000 };

/** The wait after failed attempt number `attempt` (0 for the first). */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new TypeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  return Math.min(backoff.baseMs * 2 ** Math.min(attempt, 30), backoff.maxMs);
}
