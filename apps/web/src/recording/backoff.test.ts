import { describe, expect, it } from 'vitest';
import { backoffDelay, UPLOAD_BACKOFF } from './backoff.ts';

const policy = { baseMs: 100, maxMs: 1_000, maxAttempts: 5 };

describe('upload backoff', () => {
  it('doubles from the base, between half and all of the step', () => {
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(2, policy, () => 1)).toBe(200);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
  });

  it('never waits longer than the cap, however many retries', () => {
    for (const attempt of [5, 10, 60, 1_000]) {
      expect(backoffDelay(attempt, policy, () => 1)).toBe(1_000);
    }
    expect(backoffDelay(40, UPLOAD_BACKOFF, () => 1)).toBe(UPLOAD_BACKOFF.maxMs);
  });

  it('clamps a random source out of range', () => {
    expect(backoffDelay(1, policy, () => 7)).toBe(100);
    expect(backoffDelay(1, policy, () => -3)).toBe(50);
  });

  it('counts retries from 1', () => {
    expect(() => backoffDelay(0, policy)).toThrow(TypeError);
    expect(() => backoffDelay(1.5, policy)).toThrow(TypeError);
  });

  it('bounds the tries of one pass', () => {
    expect(UPLOAD_BACKOFF.maxAttempts).toBeGreaterThan(1);
    expect(UPLOAD_BACKOFF.maxAttempts).toBeLessThanOrEqual(10);
  });
});
