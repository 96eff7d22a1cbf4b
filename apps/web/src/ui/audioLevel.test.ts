import { describe, expect, it } from 'vitest';
import { levelOf } from './audioLevel.ts';

function sine(amplitude: number, length = 480): number[] {
  return Array.from({ length }, (_, i) => amplitude * Math.sin((2 * Math.PI * 440 * i) / 48_000));
}

describe('levelOf', () => {
  it('is empty for silence and for room noise below the floor', () => {
    expect(levelOf([])).toBe(0);
    expect(levelOf(new Array(480).fill(0))).toBe(0);
    expect(levelOf(sine(0.0005))).toBe(0);
  });

  it('rises with the voice and stays within 0..1', () => {
    const quiet = levelOf(sine(0.01));
    const speech = levelOf(sine(0.1));
    const loud = levelOf(sine(1));
    expect(quiet).toBeGreaterThan(0);
    expect(speech).toBeGreaterThan(quiet);
    expect(loud).toBeGreaterThan(speech);
    expect(loud).toBeLessThanOrEqual(1);
  });
});
