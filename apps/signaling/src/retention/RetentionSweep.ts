import type { Logger } from 'pino';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the sweep runs (and once at start). */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** When a run hit its limit, the next comes this soon: a backlog drains in batches, not at once. */
export const BACKLOG_PAUSE_MS = 60 * 1000;
/** Recordings deleted per run at most (each is a folder of chunk files). */
export const RECORDINGS_PER_RUN = 100;
/** Journals deleted per run at most. */
export const JOURNALS_PER_RUN = 500;

/** What one run deleted. */
export interface RetentionReport {
  recordings: number;
  journals: number;
}

/** One kind of record and how long it is kept (0 days: kept for ever, never swept). */
export interface RetainedKind {
  days: number;
  /** Deletes at most `limit` records finished before `before`; how many it deleted. */
  deleteBefore(before: number, limit: number): Promise<number>;
}

/** The timers the sweep schedules itself with (injected: tests drive them). */
export interface SweepTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RetentionSweepOptions {
  recordings: RetainedKind;
  journals: RetainedKind;
  logger: Logger;
  now?: () => number;
  timers?: SweepTimers;
}

const realTimers: SweepTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Applies the operator's retention (RECORDING_RETENTION_DAYS, JOURNAL_RETENTION_DAYS): at start,
 * then every hour, deletes the recordings and the session journals finished longer ago than their
 * retention, a bounded number per run, and logs how many (counts only: no meeting, no content, no
 * address). Never anything unfinished or still within its retention: the stores decide what
 * "finished" means (RecordingStore.deleteFinishedBefore, JournalService.deleteClosedBefore).
 *
 * Several nodes each run their own sweep: the deletions are idempotent (a row goes only if still
 * expired, a file already gone is not counted), so two sweeps at once delete each record once.
 */
export class RetentionSweep {
  readonly #options: RetentionSweepOptions;
  readonly #now: () => number;
  readonly #timers: SweepTimers;
  #timer: unknown;
  #running: Promise<RetentionReport> | undefined;
  #closed = false;

  constructor(options: RetentionSweepOptions) {
    for (const [name, kind] of [
      ['recordings', options.recordings],
      ['journals', options.journals],
    ] as const) {
      if (!Number.isInteger(kind.days) || kind.days < 0) {
        throw new TypeError(`${name}: retention days must be a non-negative integer`);
      }
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
  }

  /** Whether any retention is set (else `start` schedules nothing). */
  get enabled(): boolean {
    return this.#options.recordings.days > 0 || this.#options.journals.days > 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs a first sweep now, then every hour; nothing when no retention is set. */
  start(): void {
    if (this.#closed || !this.enabled || this.#timer !== undefined) {
      return;
    }
    this.#options.logger.info(
      {
        recordingRetentionDays: this.#options.recordings.days,
        journalRetentionDays: this.#options.journals.days,
      },
      'retention sweep on',
    );
    this.#schedule(0);
  }

  /**
   * One sweep (also what the timer runs); a call while one runs gets that run's report. Throws
   * what a store threw; the timer's runs log it instead.
   */
  sweep(): Promise<RetentionReport> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and waits for a run under way. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#running?.catch(() => undefined);
  }

  async #sweep(): Promise<RetentionReport> {
    const now = this.#now();
    const { recordings, journals } = this.#options;
    return {
      recordings:
        recordings.days > 0
          ? await recordings.deleteBefore(now - recordings.days * DAY_MS, RECORDINGS_PER_RUN)
          : 0,
      journals:
        journals.days > 0 ? await journals.deleteBefore(now - journals.days * DAY_MS, JOURNALS_PER_RUN) : 0,
    };
  }

  #schedule(ms: number): void {
    this.#timer = this.#timers.setTimeout(() => void this.#tick(), ms);
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    let backlog = false;
    try {
      const report = await this.sweep();
      backlog = report.recordings >= RECORDINGS_PER_RUN || report.journals >= JOURNALS_PER_RUN;
      if (report.recordings > 0 || report.journals > 0) {
        this.#options.logger.info(
          { recordingsDeleted: report.recordings, journalsDeleted: report.journals, backlog },
          'retention sweep deleted expired records',
        );
      }
    } catch (error) {
      // The error's kind only: its message may name a meeting's folder.
      const code = (error as NodeJS.ErrnoException).code;
      this.#options.logger.warn(
        { error: error instanceof Error ? error.name : typeof error, ...(code ? { code } : {}) },
        'retention sweep failed; it runs again in an hour',
      );
    }
    if (!this.#closed) {
      this.#schedule(backlog ? BACKLOG_PAUSE_MS : SWEEP_EVERY_MS);
    }
  }
}
