import { describe, expect, it } from 'vitest';
import {
  defaultStart,
  endOfDayFromDateInputValue,
  fromDateTimeInputValue,
  toDateInputValue,
  toDateTimeInputValue,
} from './dateTime.ts';

describe('date inputs', () => {
  it('round-trips a local date and time through the datetime-local value', () => {
    const value = '2026-03-17T14:30';
    const ms = fromDateTimeInputValue(value);
    expect(ms).toBe(new Date(2026, 2, 17, 14, 30).getTime());
    expect(toDateTimeInputValue(ms!)).toBe(value);
    expect(toDateInputValue(ms!)).toBe('2026-03-17');
  });

  it('refuses an empty, partial or impossible date instead of guessing', () => {
    expect(fromDateTimeInputValue('')).toBe(null);
    expect(fromDateTimeInputValue('2026-03-17')).toBe(null);
    expect(fromDateTimeInputValue('2026-02-31T10:00')).toBe(null);
    expect(fromDateTimeInputValue('2026-03-17T24:00')).toBe(null);
    expect(endOfDayFromDateInputValue('2026-13-01')).toBe(null);
    expect(endOfDayFromDateInputValue('')).toBe(null);
  });

  it('makes an expiry date last until the end of that day', () => {
    const end = endOfDayFromDateInputValue('2026-03-17')!;
    expect(end).toBe(new Date(2026, 2, 17, 23, 59, 59, 999).getTime());
    expect(toDateInputValue(end)).toBe('2026-03-17');
    expect(toDateInputValue(end + 1)).toBe('2026-03-18');
  });

  it('proposes the next half hour at least a quarter of an hour ahead', () => {
    const at = (h: number, m: number): number => Date.UTC(2026, 2, 17, h, m);
    expect(defaultStart(at(9, 0))).toBe(at(9, 30));
    expect(defaultStart(at(9, 10))).toBe(at(9, 30));
    expect(defaultStart(at(9, 20))).toBe(at(10, 0));
  });
});
