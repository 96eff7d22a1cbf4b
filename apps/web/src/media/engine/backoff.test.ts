import { describe, expect, it } from 'vitest';
import { backoffDelay, ICE_RESTART_BACKOFF } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles from the base and stays at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 60].map((n) => backoffDelay(ICE_RESTART_BACKOFF, n))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
  });

  it('rejects a negative or fractional attempt', () => {
    expect(() => backoffDelay(ICE_RESTART_BACKOFF, -1)).toThrow(TypeError);
    expect(() => backoffDelay(ICE_RESTART_BACKOFF, 0.5)).toThrow(TypeError);
  });
});
