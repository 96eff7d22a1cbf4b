import type { JournalEntry } from './JournalEntry.ts';

/**
 * Where a writer puts its entries. `write` resolves once the line is durable (for a file: written
 * and fsynced); the writer does not hand over the next line before that.
 */
export interface JournalSink {
  /** `line` is the entry's canonical JSON, without the newline. */
  write(line: string, entry: JournalEntry): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
