/** One chapter: the agenda item that opened at `startMs` into the recording. */
export interface ChapterCue {
  startMs: number;
  title: string;
}

/** A chapter as read back from a WebVTT file, with its end. */
export interface ParsedChapter extends ChapterCue {
  endMs: number;
}

const MS_PER_HOUR = 3_600_000;

/** `HH:MM:SS.mmm` (hours grow past 99 if they must). */
export function formatVttTime(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new TypeError('a WebVTT time is a finite, non-negative number of milliseconds');
  }
  const total = Math.round(ms);
  const hours = Math.floor(total / MS_PER_HOUR);
  const minutes = Math.floor((total % MS_PER_HOUR) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(millis, 3)}`;
}

/** Milliseconds of `HH:MM:SS.mmm` or `MM:SS.mmm`; undefined when malformed. */
export function parseVttTime(text: string): number | undefined {
  const match = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const [, h, m, s, ms] = match;
  return Number(h ?? 0) * MS_PER_HOUR + Number(m) * 60_000 + Number(s) * 1000 + Number(ms);
}

/**
 * A cue's text on one line, with the characters WebVTT gives meaning to
 * escaped (an agenda title is text, never markup, never a second cue).
 */
function cueText(title: string): string {
  const line = title.replace(/\s+/g, ' ').trim() || '—';
  return line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeCueText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&');
}

/**
 * The chapters of a recording as a WebVTT file: one cue per agenda item
 * opened, each running to the next one's start (the last to `endMs`).
 * Cues are sorted by start; empty ones (two changes at the same time) drop.
 */
export function buildChaptersVtt(cues: readonly ChapterCue[], endMs: number): string {
  const sorted = [...cues].sort((a, b) => a.startMs - b.startMs);
  const lines = ['WEBVTT', ''];
  let n = 0;
  for (const [i, cue] of sorted.entries()) {
    const start = Math.max(0, cue.startMs);
    const end = Math.max(start, Math.min(sorted[i + 1]?.startMs ?? endMs, endMs));
    if (end <= start) {
      continue;
    }
    n += 1;
    lines.push(String(n), `${formatVttTime(start)} --> ${formatVttTime(end)}`, cueText(cue.title), '');
  }
  return lines.join('\n');
}

/** The cues of a chapters file (what buildChaptersVtt makes; other cue settings ignored). */
export function parseChaptersVtt(text: string): ParsedChapter[] {
  const normalised = text.replace(/\r\n?/g, '\n');
  if (!/^(\uFEFF)?WEBVTT(?:[ \t].*)?(?:\n|$)/.test(normalised)) {
    throw new TypeError('not a WebVTT file');
  }
  const chapters: ParsedChapter[] = [];
  for (const block of normalised.split(/\n{2,}/).slice(1)) {
    const lines = block.split('\n').filter((line) => line !== '');
    const timingAt = lines.findIndex((line) => line.includes('-->'));
    if (timingAt < 0) {
      continue;
    }
    const [from, rest] = lines[timingAt]!.split('-->');
    const start = parseVttTime(from ?? '');
    const end = parseVttTime((rest ?? '').trim().split(/\s+/)[0] ?? '');
    if (start === undefined || end === undefined) {
      continue;
    }
    const title = unescapeCueText(lines.slice(timingAt + 1).join(' '));
    chapters.push({ startMs: start, endMs: end, title });
  }
  return chapters;
}
