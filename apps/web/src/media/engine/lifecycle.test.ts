import { describe, expect, it } from 'vitest';
import { nextLifecycle, type Lifecycle, type LifecycleEvent } from './lifecycle.ts';

function run(events: LifecycleEvent[], from: Lifecycle = { name: 'idle' }): Lifecycle {
  return events.reduce(nextLifecycle, from);
}

const joined: Lifecycle = { name: 'joined' };
const down = (direction: 'send' | 'recv', at = 1): LifecycleEvent => ({
  type: 'transportDown',
  direction,
  at,
});
const up = (direction: 'send' | 'recv'): LifecycleEvent => ({ type: 'transportUp', direction });
const reset = (at = 1, reason: 'worker-died' | 'host-lost' = 'worker-died'): LifecycleEvent => ({
  type: 'mediaReset',
  reason,
  at,
});

describe('lifecycle', () => {
  it('joins: idle, joining, joined', () => {
    expect(run([{ type: 'join' }])).toEqual({ name: 'joining', resetPending: null });
    expect(run([{ type: 'join' }, { type: 'mediaReady', at: 5 }])).toEqual(joined);
  });

  it('a transport down starts an ICE repair; a second one joins it; both up ends it', () => {
    const one = run([down('recv', 10)], joined);
    expect(one).toEqual({
      name: 'repairing',
      cause: { kind: 'ice-restart', directions: ['recv'] },
      startedAt: 10,
    });
    const two = run([down('send', 20)], one);
    expect(two).toEqual({
      name: 'repairing',
      cause: { kind: 'ice-restart', directions: ['recv', 'send'] },
      startedAt: 10,
    });
    expect(run([down('send', 30)], two)).toBe(two);
    expect(run([up('recv')], two)).toMatchObject({ cause: { directions: ['send'] }, startedAt: 10 });
    expect(run([up('recv'), up('send')], two)).toEqual(joined);
  });

  it('a media reset supersedes an ICE repair and a reset in progress', () => {
    const ice = run([down('recv', 10)], joined);
    const first = run([reset(20)], ice);
    expect(first).toEqual({
      name: 'repairing',
      cause: { kind: 'media-reset', reason: 'worker-died', down: [] },
      startedAt: 20,
    });
    const second = run([reset(30, 'host-lost')], first);
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ cause: { reason: 'host-lost' }, startedAt: 30 });
  });

  it('a transport down during a reset waits for the rebuild, then gets an ICE repair', () => {
    const resetting = run([reset(10), down('recv', 15)], joined);
    expect(resetting).toMatchObject({ cause: { kind: 'media-reset', down: ['recv'] }, startedAt: 10 });
    expect(run([{ type: 'rebuilt', at: 40 }], resetting)).toEqual({
      name: 'repairing',
      cause: { kind: 'ice-restart', directions: ['recv'] },
      startedAt: 40,
    });
    expect(run([up('recv'), { type: 'rebuilt', at: 40 }], resetting)).toEqual(joined);
  });

  it('ignores a stale rebuild during an ICE repair', () => {
    const ice = run([down('send')], joined);
    expect(run([{ type: 'rebuilt', at: 9 }], ice)).toBe(ice);
  });

  it('keeps a reset heard while joining for when the transports are made', () => {
    const joining = run([{ type: 'join' }, reset(3)]);
    expect(joining).toEqual({ name: 'joining', resetPending: 'worker-died' });
    expect(run([down('recv')], joining)).toBe(joining);
    expect(run([{ type: 'mediaReady', at: 7 }], joining)).toEqual({
      name: 'repairing',
      cause: { kind: 'media-reset', reason: 'worker-died', down: [] },
      startedAt: 7,
    });
  });

  it('leave wins: once leaving, only the end changes anything', () => {
    for (const from of [
      joined,
      run([down('recv')], joined),
      run([reset()], joined),
      run([{ type: 'join' }]),
    ]) {
      const leaving = run([{ type: 'leave' }], from);
      expect(leaving).toEqual({ name: 'leaving' });
      expect(
        run([reset(), down('send'), up('send'), { type: 'rebuilt', at: 2 }, { type: 'join' }], leaving),
      ).toBe(leaving);
      expect(run([{ type: 'end', reason: 'left' }], leaving)).toEqual({ name: 'ended', reason: 'left' });
    }
  });

  it('ends from anywhere, once', () => {
    const ended = run([{ type: 'end', reason: 'connection-lost' }], run([down('recv')], joined));
    expect(ended).toEqual({ name: 'ended', reason: 'connection-lost' });
    expect(run([{ type: 'end', reason: 'left' }, reset(), { type: 'join' }], ended)).toBe(ended);
  });

  it('returns the same state for events that change nothing', () => {
    expect(run([up('send')], joined)).toBe(joined);
    expect(run([{ type: 'rebuilt', at: 1 }], joined)).toBe(joined);
    const idle: Lifecycle = { name: 'idle' };
    expect(run([reset(), down('recv'), { type: 'mediaReady', at: 1 }], idle)).toBe(idle);
  });
});
