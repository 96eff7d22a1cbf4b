import { describe, expect, it } from 'vitest';
import { MAX_UINT64, REPLAY_WINDOW_SIZE, ReplayWindow } from '../src/index.ts';

describe('ReplayWindow', () => {
  it('accepts increasing CTRs and rejects a repeated one', () => {
    const window = new ReplayWindow();
    for (let ctr = 0n; ctr < 300n; ctr++) {
      expect(window.accept(1n, ctr)).toBe('fresh');
    }
    expect(window.accept(1n, 299n)).toBe('replay');
    expect(window.accept(1n, 250n)).toBe('replay');
  });

  it('accepts a late CTR inside the window once, and rejects one behind it as too old', () => {
    const window = new ReplayWindow();
    expect(window.accept(1n, 1000n)).toBe('fresh');
    expect(window.accept(1n, 1000n - BigInt(REPLAY_WINDOW_SIZE) + 1n)).toBe('fresh');
    expect(window.accept(1n, 1000n - BigInt(REPLAY_WINDOW_SIZE) + 1n)).toBe('replay');
    expect(window.accept(1n, 1000n - BigInt(REPLAY_WINDOW_SIZE))).toBe('too-old');
    expect(window.accept(1n, 0n)).toBe('too-old');
    expect(window.accept(1n, 999n)).toBe('fresh');
  });

  it('forgets what slid out after a jump, but not what stayed inside', () => {
    const window = new ReplayWindow(8);
    window.accept(1n, 10n);
    window.accept(1n, 12n);
    expect(window.accept(1n, 15n)).toBe('fresh');
    expect(window.check(1n, 10n)).toBe('replay');
    expect(window.check(1n, 11n)).toBe('fresh');
    expect(window.accept(1n, 100n)).toBe('fresh');
    expect(window.check(1n, 15n)).toBe('too-old');
    expect(window.check(1n, 93n)).toBe('fresh');
    expect(window.check(1n, 92n)).toBe('too-old');
  });

  it('keeps one window per KID', () => {
    const window = new ReplayWindow();
    expect(window.accept(1n, 5n)).toBe('fresh');
    expect(window.accept(2n, 5n)).toBe('fresh');
    expect(window.accept(2n, 5n)).toBe('replay');
    window.forget(2n);
    expect(window.accept(2n, 5n)).toBe('fresh');
    expect(window.kidCount).toBe(2);
  });

  it('check does not record', () => {
    const window = new ReplayWindow();
    expect(window.check(1n, 7n)).toBe('fresh');
    expect(window.check(1n, 7n)).toBe('fresh');
    expect(window.accept(1n, 7n)).toBe('fresh');
    expect(window.check(1n, 7n)).toBe('replay');
  });

  it('works up to CTR 2^64 - 1', () => {
    const window = new ReplayWindow();
    expect(window.accept(1n, MAX_UINT64 - 1n)).toBe('fresh');
    expect(window.accept(1n, MAX_UINT64)).toBe('fresh');
    expect(window.accept(1n, MAX_UINT64)).toBe('replay');
    expect(window.accept(1n, MAX_UINT64 - 1n)).toBe('replay');
    expect(window.accept(1n, 0n)).toBe('too-old');
  });

  it('refuses a nonsensical size', () => {
    expect(() => new ReplayWindow(0)).toThrow(TypeError);
    expect(() => new ReplayWindow(1.5)).toThrow(TypeError);
  });
});
