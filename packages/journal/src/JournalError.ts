export const journalErrorReasons = [
  /** A value that has no canonical JSON form (NaN, undefined, a Date, a cycle, a lone surrogate…). */
  'not-json',
  /** A key of the wrong kind, or a key file that does not hold one. */
  'invalid-key',
  /** The sink refused a line: the entry may be missing from the journal, the writer stops. */
  'sink-failed',
  /** The writer or sink was used after `close()`, or after a sink failure. */
  'closed',
  /**
   * Another writer holds the journal file: its lock names a newer (or the same) owner's fence, or
   * the file grew under this writer. Nothing was written.
   */
  'locked',
  /** An existing journal file does not verify (or is another session's): it is not continued. */
  'unverifiable',
] as const;
export type JournalErrorReason = (typeof journalErrorReasons)[number];

/** The one error class of the writing side. `reason` is safe to count and log; `cause` is for debugging. */
export class JournalError extends Error {
  readonly reason: JournalErrorReason;

  constructor(reason: JournalErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalError';
    this.reason = reason;
  }

  static notJson(path: string, what: string): JournalError {
    return new JournalError('not-json', `${path}: ${what} has no canonical JSON form`);
  }

  static closed(what: string, cause?: unknown): JournalError {
    return new JournalError('closed', `${what} is closed`, { cause });
  }

  static locked(message: string): JournalError {
    return new JournalError('locked', message);
  }
}
