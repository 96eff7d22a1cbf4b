import { open, type FileHandle } from 'node:fs/promises';
import type { JournalEntry } from './JournalEntry.ts';
import { JournalError } from './JournalError.ts';
import type { JournalSink } from './JournalSink.ts';

/**
 * Writes JSON Lines to a new file, fsyncing after every entry so an entry the writer reported
 * written survives a crash. Refuses an existing file: a second writer starting again at seq 0
 * would make the journal unverifiable.
 */
export class FileJournalSink implements JournalSink {
  readonly #handle: FileHandle;
  readonly #path: string;
  #closing: Promise<void> | undefined;

  private constructor(handle: FileHandle, path: string) {
    this.#handle = handle;
    this.#path = path;
  }

  static async create(path: string): Promise<FileJournalSink> {
    return new FileJournalSink(await open(path, 'wx', 0o640), path);
  }

  get path(): string {
    return this.#path;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  async write(line: string, _entry: JournalEntry): Promise<void> {
    if (this.#closing !== undefined) {
      throw JournalError.closed(`journal file ${this.#path}`);
    }
    if (line.includes('\n')) {
      throw new TypeError('a journal line cannot contain a newline');
    }
    await this.#handle.appendFile(`${line}\n`, 'utf8');
    await this.#handle.sync();
  }

  close(): Promise<void> {
    this.#closing ??= this.#handle.close();
    return this.#closing;
  }
}
