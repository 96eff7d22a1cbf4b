import type { AgendaItem, CommitteeState } from '@confidentiel/protocol';

/**
 * Time on the agenda. The server counts the time of past openings
 * (`elapsedMs`); the running opening is counted here from `currentSince`,
 * never below zero when the clocks of browser and server disagree.
 */

/** How long `item` has been open so far, this opening included, at `now`. */
export function itemElapsedMs(item: AgendaItem, state: CommitteeState, now: number): number {
  const running =
    item.status === 'open' && state.currentItemId === item.itemId && state.currentSince !== null
      ? Math.max(0, now - state.currentSince)
      : 0;
  return item.elapsedMs + running;
}

/** How long the current speaker has had the floor, at `now` (0 without a speaker). */
export function speakerElapsedMs(state: CommitteeState, now: number): number {
  const { speaker, since } = state.floor;
  return speaker === null || since === null ? 0 : Math.max(0, now - since);
}

/**
 * Speaking time per member on `item`, the running turn of the current
 * speaker included. Like the server, a turn counts on an item from the
 * later of the floor given and the item opened.
 */
export function itemSpeakingMs(item: AgendaItem, state: CommitteeState, now: number): Map<string, number> {
  const times = new Map(Object.entries(item.speakingMs));
  const { speaker, since } = state.floor;
  if (
    speaker !== null &&
    since !== null &&
    state.currentSince !== null &&
    state.currentItemId === item.itemId &&
    item.status === 'open'
  ) {
    const running = Math.max(0, now - Math.max(since, state.currentSince));
    times.set(speaker, (times.get(speaker) ?? 0) + running);
  }
  return times;
}

/** The current item, when one is open. */
export function currentItem(state: CommitteeState): AgendaItem | null {
  return state.agenda.find((item) => item.itemId === state.currentItemId) ?? null;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A stopwatch reading: `4:05`, `12:00`, `1:02:03`. */
export function formatClock(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** An ISO 8601 duration for `<time dateTime>`: `PT1H2M3S`. */
export function isoDuration(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return `PT${hours > 0 ? `${hours}H` : ''}${hours > 0 || minutes > 0 ? `${minutes}M` : ''}${seconds}S`;
}

/** A duration for reading: `45 s`, `4 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) {
    return `${hours} h ${pad(minutes)} min`;
  }
  if (minutes > 0) {
    return `${minutes} min ${pad(seconds)} s`;
  }
  return `${seconds} s`;
}

/** A time of day for the panel: `09:05`. */
export function formatTimeOfDay(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
}
