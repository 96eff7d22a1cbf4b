import type { CommitteeState } from '@confidentiel/protocol';
import type { ChapterCue } from './webvtt.ts';

/**
 * The chapters of one recording, as the agenda moves: a cue each time the
 * current item changes to another open item, at its time into the
 * recording. The same item seen again (every `committeeState` repeats it)
 * adds nothing; an item reopened after another adds a new cue.
 */
export class ChapterLog {
  readonly #startedAt: number;
  readonly #cues: ChapterCue[];
  #currentItemId: string | null = null;

  /** `cues` restores a log kept across a page reload. */
  constructor(startedAt: number, cues: readonly ChapterCue[] = []) {
    this.#startedAt = startedAt;
    this.#cues = [...cues];
  }

  get cues(): readonly ChapterCue[] {
    return this.#cues;
  }

  /** True when a cue was added. */
  observe(state: CommitteeState, at: number): boolean {
    const itemId = state.currentItemId;
    if (itemId === this.#currentItemId) {
      return false;
    }
    this.#currentItemId = itemId;
    const item = itemId === null ? undefined : state.agenda.find((i) => i.itemId === itemId);
    if (!item) {
      return false;
    }
    const position = state.agenda.indexOf(item) + 1;
    this.#cues.push({ startMs: Math.max(0, at - this.#startedAt), title: `${position}. ${item.title}` });
    return true;
  }
}
