import { describe, expect, it } from 'vitest';
import { ChapterLog } from './ChapterLog.ts';
import { agendaItem, committeeState } from './testing/fakes.ts';

const items = [agendaItem('item-aaaaaaaa', 'Ouverture'), agendaItem('item-bbbbbbbb', 'Budget 2031')];

describe('chapter log', () => {
  it('adds a cue when the current item changes, at its time into the recording', () => {
    const log = new ChapterLog(1_000);
    expect(log.observe(committeeState(items, 'item-aaaaaaaa'), 1_000)).toBe(true);
    expect(log.observe(committeeState(items, 'item-aaaaaaaa'), 5_000)).toBe(false);
    expect(log.observe(committeeState(items, 'item-bbbbbbbb'), 61_000)).toBe(true);
    expect(log.cues).toEqual([
      { startMs: 0, title: '1. Ouverture' },
      { startMs: 60_000, title: '2. Budget 2031' },
    ]);
  });

  it('adds nothing while no item is open, and a new cue when one is reopened', () => {
    const log = new ChapterLog(0);
    log.observe(committeeState(items, null), 0);
    log.observe(committeeState(items, 'item-bbbbbbbb'), 10_000);
    log.observe(committeeState(items, null), 20_000);
    log.observe(committeeState(items, 'item-bbbbbbbb'), 30_000);
    expect(log.cues.map((c) => c.startMs)).toEqual([10_000, 30_000]);
  });

  it('starts from cues kept across a reload, and never before 0', () => {
    const log = new ChapterLog(50_000, [{ startMs: 0, title: '1. Ouverture' }]);
    log.observe(committeeState(items, 'item-bbbbbbbb'), 40_000);
    expect(log.cues).toEqual([
      { startMs: 0, title: '1. Ouverture' },
      { startMs: 0, title: '2. Budget 2031' },
    ]);
  });

  it('ignores a current item missing from the agenda', () => {
    const log = new ChapterLog(0);
    expect(log.observe(committeeState(items, 'item-unknown0'), 1_000)).toBe(false);
    expect(log.cues).toEqual([]);
  });
});
