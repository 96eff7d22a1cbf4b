import { describe, expect, it } from 'vitest';
import { buildChaptersVtt, formatVttTime, parseChaptersVtt, parseVttTime } from './webvtt.ts';

describe('WebVTT chapters', () => {
  it('formats times as HH:MM:SS.mmm', () => {
    expect(formatVttTime(0)).toBe('00:00:00.000');
    expect(formatVttTime(61_005)).toBe('00:01:01.005');
    expect(formatVttTime(3 * 3_600_000 + 59 * 60_000 + 59_999)).toBe('03:59:59.999');
    expect(formatVttTime(100 * 3_600_000)).toBe('100:00:00.000');
    expect(() => formatVttTime(-1)).toThrow(TypeError);
    expect(() => formatVttTime(Number.NaN)).toThrow(TypeError);
  });

  it('parses what it formats, and MM:SS.mmm', () => {
    for (const ms of [0, 1, 999, 61_005, 7_384_250]) {
      expect(parseVttTime(formatVttTime(ms))).toBe(ms);
    }
    expect(parseVttTime('01:02.003')).toBe(62_003);
    expect(parseVttTime('1:02.003')).toBeUndefined();
    expect(parseVttTime('00:61:00.000')).toBeUndefined();
  });

  it('builds one cue per item, each ending where the next starts, the last at the end', () => {
    const vtt = buildChaptersVtt(
      [
        { startMs: 0, title: '1. Ouverture' },
        { startMs: 65_000, title: '2. Budget' },
      ],
      125_500,
    );
    expect(vtt).toBe(
      [
        'WEBVTT',
        '',
        '1',
        '00:00:00.000 --> 00:01:05.000',
        '1. Ouverture',
        '',
        '2',
        '00:01:05.000 --> 00:02:05.500',
        '2. Budget',
        '',
      ].join('\n'),
    );
  });

  it('sorts cues, drops empty ones and clamps to the end', () => {
    const vtt = buildChaptersVtt(
      [
        { startMs: 10_000, title: 'B' },
        { startMs: 0, title: 'A' },
        { startMs: 10_000, title: 'C' },
        { startMs: 50_000, title: 'after the end' },
      ],
      20_000,
    );
    expect(parseChaptersVtt(vtt)).toEqual([
      { startMs: 0, endMs: 10_000, title: 'A' },
      { startMs: 10_000, endMs: 20_000, title: 'C' },
    ]);
  });

  it('keeps a title as text: markup escaped, no line break, no second cue', () => {
    const title = 'Point <b>important</b> & divers\n\n00:00:00.000 --> 00:00:01.000\nfaux';
    const vtt = buildChaptersVtt([{ startMs: 0, title }], 5_000);
    expect(vtt).not.toContain('<b>');
    // The only arrow left is the cue's own timing line.
    expect(vtt.split('-->')).toHaveLength(2);
    const [chapter] = parseChaptersVtt(vtt);
    expect(chapter?.title).toBe(title.replace(/\s+/g, ' '));
    expect(parseChaptersVtt(vtt)).toHaveLength(1);
  });

  it('refuses a file that is not WebVTT', () => {
    expect(() => parseChaptersVtt('hello\n\n00:00:00.000 --> 00:00:01.000\nx')).toThrow(TypeError);
    expect(parseChaptersVtt('WEBVTT\n')).toEqual([]);
    expect(parseChaptersVtt('\uFEFFWEBVTT - chapters\r\n\r\n00:01.000 --> 00:02.000\r\nA\r\n')).toEqual([
      { startMs: 1000, endMs: 2000, title: 'A' },
    ]);
  });
});
