import { readdir, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { JournalError } from './JournalError.ts';

/** How a journal file is held by one writer in a cluster (see `FileJournalSink`). */
export interface JournalLockOptions {
  /**
   * The fencing token of the lease under which this node owns the meeting: a counter that grows at
   * every claim. A writer with a smaller fence gives way to this one; the same or a greater fence
   * already holding the file refuses it.
   */
  fence: number;
}

const FENCE_SUFFIX = /^\d{1,16}$/;

/**
 * An advisory lock on a journal file, for writers on nodes that share the journal directory. Node
 * has no flock(2), and a lock file survives the SIGKILL of its owner, so the fence, not a file's
 * existence, decides who writes: each writer creates `<journal>.lock.<fence>` with O_EXCL (one
 * writer per fence), and the file belongs to the greatest fence present. A writer checks before
 * each write that no greater fence has appeared (`check`); the marker of a smaller fence never
 * displaces a greater one, so the newest owner wins whatever the order of the races.
 *
 * It narrows the window for a fork, it does not close it: a write already past `check` when a newer
 * owner arrives still lands. The sink's size check then refuses the next write of the other side,
 * and a fork that slipped through still fails verification. The lease's fence in Redis remains what
 * makes a stale owner give up the meeting.
 */
export class JournalLock {
  readonly #journalPath: string;
  readonly #fence: number;

  private constructor(journalPath: string, fence: number) {
    this.#journalPath = journalPath;
    this.#fence = fence;
  }

  /** The marker a writer with `fence` holds on the journal at `journalPath`. */
  static pathOf(journalPath: string, fence: number): string {
    return `${journalPath}.lock.${fence}`;
  }

  /** The fences holding or having held the journal (markers a killed writer left stay until taken over). */
  static async fences(journalPath: string): Promise<number[]> {
    const prefix = `${basename(journalPath)}.lock.`;
    const names = await readdir(dirname(journalPath));
    return names
      .filter((name) => name.startsWith(prefix) && FENCE_SUFFIX.test(name.slice(prefix.length)))
      .map((name) => Number(name.slice(prefix.length)))
      .sort((a, b) => a - b);
  }

  /**
   * Takes the journal for `fence`, and removes the markers of smaller fences (writers it
   * replaces). Throws `JournalError` ('locked') when the same or a greater fence holds it,
   * `TypeError` for a fence that is not a non-negative safe integer.
   */
  static async acquire(journalPath: string, fence: number): Promise<JournalLock> {
    if (!Number.isSafeInteger(fence) || fence < 0 || String(fence).length > 16) {
      throw new TypeError('the fence must be a non-negative safe integer');
    }
    const lock = new JournalLock(journalPath, fence);
    const holder = { fence, host: hostname(), pid: process.pid, since: new Date().toISOString() };
    try {
      await writeFile(lock.#path, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o640 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw JournalError.locked(`the journal ${journalPath} is already held with fence ${fence}`);
      }
      throw error;
    }
    try {
      await lock.check();
    } catch (error) {
      await lock.release();
      throw error;
    }
    for (const older of (await JournalLock.fences(journalPath)).filter((f) => f < fence)) {
      await unlink(JournalLock.pathOf(journalPath, older)).catch(() => undefined);
    }
    return lock;
  }

  get fence(): number {
    return this.#fence;
  }

  /** Before each write: throws `JournalError` ('locked') once a writer with a greater fence took the journal. */
  async check(): Promise<void> {
    const newest = Math.max(...(await JournalLock.fences(this.#journalPath)));
    if (newest > this.#fence) {
      throw JournalError.locked(
        `the journal is held by the writer with fence ${newest}; this writer's fence is ${this.#fence}`,
      );
    }
  }

  /** Removes this writer's marker. Never throws (a marker left behind only names an old fence). */
  async release(): Promise<void> {
    await unlink(this.#path).catch(() => undefined);
  }

  get #path(): string {
    return JournalLock.pathOf(this.#journalPath, this.#fence);
  }
}
