import { describe, expect, it } from 'vitest';
import {
  currentItem,
  formatClock,
  formatDuration,
  isoDuration,
  itemElapsedMs,
  itemSpeakingMs,
  speakerElapsedMs,
} from './elapsed.ts';
import { CHAIR, committeeState, MEMBER, MIN, T0 } from './testFixtures.ts';

describe('agenda time', () => {
  it('adds the running opening of the current item to its past openings', () => {
    const state = committeeState();
    const budget = currentItem(state)!;
    expect(itemElapsedMs(budget, state, T0 + 13 * MIN)).toBe(5 * MIN);
  });

  it('does not run for an item that is not the open current one', () => {
    const state = committeeState();
    const opening = state.agenda[0]!;
    expect(itemElapsedMs(opening, state, T0 + 60 * MIN)).toBe(5 * MIN);
  });

  it('never goes below the past openings when the browser clock is behind the server', () => {
    const state = committeeState();
    expect(itemElapsedMs(currentItem(state)!, state, T0)).toBe(2 * MIN);
  });

  it("counts the current speaker's running turn on the current item only", () => {
    const state = committeeState({ floor: { speaker: CHAIR, since: T0 + 12 * MIN, queue: [] } });
    expect(speakerElapsedMs(state, T0 + 13 * MIN)).toBe(MIN);
    const times = itemSpeakingMs(currentItem(state)!, state, T0 + 13 * MIN);
    expect(times.get(CHAIR)).toBe(30_000 + MIN);
    expect(times.get(MEMBER)).toBe(90_000);
    expect(itemSpeakingMs(state.agenda[0]!, state, T0 + 13 * MIN).size).toBe(0);
  });

  it('counts a turn begun on the previous item from the opening of the current one only', () => {
    // Floor given at T0 + 8 min, the budget item (re)opened at T0 + 10 min.
    const state = committeeState({ floor: { speaker: MEMBER, since: T0 + 8 * MIN, queue: [] } });
    expect(itemSpeakingMs(currentItem(state)!, state, T0 + 13 * MIN).get(MEMBER)).toBe(90_000 + 3 * MIN);
    expect(speakerElapsedMs(state, T0 + 13 * MIN)).toBe(5 * MIN);
  });

  it('has no speaker time without a speaker', () => {
    expect(speakerElapsedMs(committeeState(), T0 + 99 * MIN)).toBe(0);
  });
});

describe('time formats', () => {
  it('reads like a stopwatch', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65_400)).toBe('1:05');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatClock(-5)).toBe('0:00');
  });

  it('gives ISO durations for <time>', () => {
    expect(isoDuration(5_000)).toBe('PT5S');
    expect(isoDuration(65_000)).toBe('PT1M5S');
    expect(isoDuration(3_605_000)).toBe('PT1H0M5S');
  });

  it('reads durations in words for the document', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });
});
