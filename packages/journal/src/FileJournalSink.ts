import { open, type FileHandle } from 'node:fs/promises';
import type { JournalEntry } from './JournalEntry.ts';
import { JournalError } from './JournalError.ts';
import { JournalLock, type JournalLockOptions } from './JournalLock.ts';
import type { JournalSink } from './JournalSink.ts';
import { readJournalTail, type JournalTail, type ReadJournalTailOptions } from './JournalTail.ts';

export interface FileJournalSinkOptions {
  /**
   * Hold the file under a lock naming this owner's fence (a cluster node owning the meeting under a
   * lease). Without it, nothing stops another writer but the size check (see `write`).
   */
  lock?: JournalLockOptions;
}

export interface ResumeJournalFileOptions extends ReadJournalTailOptions, FileJournalSinkOptions {}

/** An existing journal file reopened for appending, and the entry its writer continues from. */
export interface ResumedJournalFile {
  sink: FileJournalSink;
  /** Give it to the new `JournalWriter` as `last`; `undefined` when the file held no entry. */
  last: JournalTail | undefined;
  /** Bytes of an unfinished last line that were cut away (0 after a clean stop). */
  trimmedBytes: number;
}

/**
 * Writes JSON Lines to a file, fsyncing after every entry so an entry the writer reported
 * written survives a crash. `create` refuses an existing file: a second writer starting again at
 * seq 0 would make the journal unverifiable; `resume` continues one after its writer died.
 *
 * Every write first checks that the file still ends where this sink's last write ended (and, with
 * a lock, that the lock is still this owner's): a file another writer appended to is not written
 * again, so two writers do not fork one chain. Writes are O_APPEND: even a write that races past
 * the check adds a line, it never overwrites one (and the verifier names the fork).
 */
export class FileJournalSink implements JournalSink {
  readonly #handle: FileHandle;
  readonly #path: string;
  readonly #lock: JournalLock | undefined;
  /** Where the file ends after this sink's last write. */
  #size: number;
  #closing: Promise<void> | undefined;

  private constructor(handle: FileHandle, path: string, size: number, lock: JournalLock | undefined) {
    this.#handle = handle;
    this.#path = path;
    this.#size = size;
    this.#lock = lock;
  }

  static async create(path: string, options: FileJournalSinkOptions = {}): Promise<FileJournalSink> {
    const lock = options.lock ? await JournalLock.acquire(path, options.lock.fence) : undefined;
    try {
      return new FileJournalSink(await open(path, 'ax', 0o640), path, 0, lock);
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /**
   * Reopens an existing journal file to continue its chain (see `readJournalTail`): takes the lock
   * (with `options.lock`; without, a file someone holds under a lock is refused), verifies every
   * complete line, cuts away an unfinished last line, and appends after the last entry.
   *
   * Throws `JournalError` ('locked') when a writer with the same or a newer fence holds the file,
   * ('unverifiable') when it does not verify or is another session's; the file's own error
   * (ENOENT…) when it cannot be opened.
   */
  static async resume(path: string, options: ResumeJournalFileOptions): Promise<ResumedJournalFile> {
    let lock: JournalLock | undefined;
    if (options.lock) {
      // Before reading: from here on, the writer being replaced is refused at its next write.
      lock = await JournalLock.acquire(path, options.lock.fence);
    } else {
      const fences = await JournalLock.fences(path);
      if (fences.length > 0) {
        throw JournalError.locked(
          `${path} is held with fence ${fences.join(', ')}: resume it with a newer fence`,
        );
      }
    }
    try {
      const reading = await open(path, 'r+');
      let tail;
      try {
        tail = await readJournalTail(await reading.readFile(), options);
        if (tail.tornBytes > 0) {
          await reading.truncate(tail.length);
          await reading.sync();
        }
      } finally {
        await reading.close();
      }
      const sink = new FileJournalSink(await open(path, 'a'), path, tail.length, lock);
      return { sink, last: tail.last, trimmedBytes: tail.tornBytes };
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  get path(): string {
    return this.#path;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Appends the line and fsyncs it. Throws `JournalError` ('locked') when the file grew since this
   * sink's last write or a newer owner holds the lock, ('closed') after `close()`.
   */
  async write(line: string, _entry: JournalEntry): Promise<void> {
    if (this.#closing !== undefined) {
      throw JournalError.closed(`journal file ${this.#path}`);
    }
    if (line.includes('\n')) {
      throw new TypeError('a journal line cannot contain a newline');
    }
    await this.#lock?.check();
    const { size } = await this.#handle.stat();
    if (size !== this.#size) {
      throw JournalError.locked(
        `journal file ${this.#path} is ${size} bytes, not the ${this.#size} this writer left: another writer appended to it`,
      );
    }
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    await this.#handle.appendFile(bytes);
    await this.#handle.sync();
    this.#size += bytes.length;
  }

  /** Closes the file and releases the lock if it is still ours. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#handle.close().finally(() => this.#lock?.release());
    return this.#closing;
  }
}
