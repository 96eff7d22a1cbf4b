/**
 * Dates as the organiser types them: `<input type="datetime-local">` and
 * `<input type="date">` values are in the browser's time zone; the API speaks
 * milliseconds since the epoch.
 */

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of an instant, in local time. */
export function toDateInputValue(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `YYYY-MM-DDTHH:mm` of an instant, in local time. */
export function toDateTimeInputValue(ms: number): string {
  const d = new Date(ms);
  return `${toDateInputValue(ms)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant of a `datetime-local` value, or null when it is empty or not a real date. */
export function fromDateTimeInputValue(value: string): number | null {
  const match = DATE_TIME.exec(value);
  if (!match) {
    return null;
  }
  const [year, month, day, hours, minutes] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hours, minutes);
  // 2026-02-31 rolls over to March: refuse it rather than guess.
  if (date.getMonth() !== month - 1 || date.getDate() !== day || hours > 23 || minutes > 59) {
    return null;
  }
  return date.getTime();
}

/** The last millisecond of a `date` value's day, in local time: a link "expiring on" that day works all day. */
export function endOfDayFromDateInputValue(value: string): number | null {
  const match = DATE.exec(value);
  if (!match) {
    return null;
  }
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(year, month - 1, day, 23, 59, 59, 999);
  if (date.getMonth() !== month - 1 || date.getDate() !== day) {
    return null;
  }
  return date.getTime();
}

const HALF_HOUR_MS = 30 * 60 * 1000;

/** The create form's default start: the next half hour, at least 15 minutes away. */
export function defaultStart(now: number): number {
  const quarter = 15 * 60 * 1000;
  return Math.ceil((now + quarter) / HALF_HOUR_MS) * HALF_HOUR_MS;
}

/** "mardi 3 mars 2026 à 14:30" (or the English equivalent). */
export function formatDateTime(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short' }).format(ms);
}

/** "3 mars 2026". */
export function formatDate(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long' }).format(ms);
}

/** "14:30". */
export function formatTime(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language, { timeStyle: 'short' }).format(ms);
}
