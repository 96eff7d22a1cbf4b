/** How an upload is retried: doubling delays, capped, and a bounded number of tries per pass. */
export interface BackoffPolicy {
  /** First delay, ms. */
  baseMs: number;
  /** No delay is longer than this, ms. */
  maxMs: number;
  /** Tries of one chunk in one pass of the uploader (the chunk stays queued after the last). */
  maxAttempts: number;
}

export const UPLOAD_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000, maxAttempts: 6 };

/**
 * The wait before retry number `attempt` (1 for the first retry): base × 2^(attempt−1),
 * capped, then jittered to between half and all of it so that many browsers
 * coming back together do not retry in step.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new TypeError('attempt counts from 1');
  }
  const exponential = policy.baseMs * 2 ** Math.min(attempt - 1, 30);
  const capped = Math.min(policy.maxMs, exponential);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(capped / 2 + (capped / 2) * r);
}
