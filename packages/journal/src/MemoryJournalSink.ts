import type { JournalEntry } from './JournalEntry.ts';
import { JournalError } from './JournalError.ts';
import type { JournalSink } from './JournalSink.ts';

/** Keeps the journal in memory: for tests, and for a caller that stores the lines itself. */
export class MemoryJournalSink implements JournalSink {
  readonly #lines: string[] = [];
  readonly #entries: JournalEntry[] = [];
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  get entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  /** The journal as JSON Lines, as the file sink writes it. */
  text(): string {
    return this.#lines.map((line) => `${line}\n`).join('');
  }

  write(line: string, entry: JournalEntry): Promise<void> {
    if (this.#closed) {
      return Promise.reject(JournalError.closed('memory sink'));
    }
    this.#lines.push(line);
    this.#entries.push(structuredClone(entry));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
