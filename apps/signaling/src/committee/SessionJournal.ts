import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  FileJournalSink,
  JournalError,
  JournalWriter,
  publicKeyMap,
  type FileJournalSinkOptions,
  type JournalEntry,
  type JournalHead,
  type JournalSigner,
  type JournalSink,
  type JournalTail,
  type TimeStampSource,
} from '@confidentiel/journal';
import type { Logger } from 'pino';

/**
 * A file sink whose file is opened in the background: the writer exists (and
 * reads each entry's time) from the moment the session starts, and its first
 * write waits for the file.
 */
class DeferredFileSink implements JournalSink {
  readonly #opening: Promise<FileJournalSink>;

  constructor(path: string, options: FileJournalSinkOptions) {
    this.#opening = mkdir(dirname(path), { recursive: true, mode: 0o700 }).then(() =>
      FileJournalSink.create(path, options),
    );
    // A failure surfaces at the first write; not an unhandled rejection meanwhile.
    this.#opening.catch(() => undefined);
  }

  async write(line: string, entry: JournalEntry): Promise<void> {
    const sink = await this.#opening;
    await sink.write(line, entry);
  }

  async close(): Promise<void> {
    const sink = await this.#opening.catch(() => undefined);
    await sink?.close();
  }
}

export interface SessionJournalOptions {
  /** `<meetingId>/<start ISO>`, on every line. */
  sessionId: string;
  path: string;
  signer: JournalSigner;
  now: () => number;
  logger: Logger;
  timeStamping?: { authority: TimeStampSource; every: number } | undefined;
  /** Called once the file is closed. */
  onClosed: () => void;
  /**
   * The fence of this node's lease on the meeting (cluster): the file is held under it, and a
   * writer with an older fence is refused at its next write (see `JournalLock`).
   */
  fence?: string | undefined;
}

export interface SessionJournalResumeOptions extends SessionJournalOptions {
  /** Keys the entries already written may be signed with; the signer's own key when not given. */
  publicKeys?: ReadonlyMap<string, KeyObject>;
}

/** A resumed journal's file, as the new writer found it. */
interface Continuation {
  sink: JournalSink;
  last: JournalTail | undefined;
}

/** The journal of one committee session: a JournalWriter over an fsynced JSON Lines file. */
export class SessionJournal {
  readonly #writer: JournalWriter;
  /** The writer's sink: `detach` closes it without the writer's last checkpoint. */
  readonly #sink: JournalSink;
  readonly #path: string;
  readonly #onClosed: () => void;
  readonly #resumedFrom: JournalTail | undefined;
  /** The last append (the writer writes them in order): settled, every earlier one is too. */
  #lastAppend: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /** A new session's journal, in a new file. `continuation` is `resume`'s: do not pass it. */
  constructor(options: SessionJournalOptions, continuation?: Continuation) {
    this.#path = options.path;
    this.#onClosed = options.onClosed;
    this.#resumedFrom = continuation?.last;
    this.#sink = continuation?.sink ?? new DeferredFileSink(options.path, lockOptions(options.fence));
    this.#writer = new JournalWriter({
      sessionId: options.sessionId,
      sink: this.#sink,
      signer: options.signer,
      now: options.now,
      ...(options.timeStamping ? { timeStamping: options.timeStamping } : {}),
      last: continuation?.last,
    });
    this.#writer.on('timestamp-failed', (error) => {
      options.logger.warn(
        { reason: error.reason, err: error },
        'time-stamping authority failed; the checkpoint records it',
      );
    });
  }

  /**
   * Reopens the journal of a session another process was writing when it died, to continue its
   * one chain (a new owner taking a meeting over): every complete line must verify, an unfinished
   * last line is cut away, and the next entry follows the last one, signed with `signer`. Nothing
   * is written by resuming. Throws `JournalError`: 'unverifiable' (the file does not verify or is
   * another session's: it is left as it is), 'locked' (a writer with the same or a newer fence
   * holds it); the file's own error (ENOENT) when it does not exist.
   */
  static async resume(options: SessionJournalResumeOptions): Promise<SessionJournal> {
    const { sink, last, trimmedBytes } = await FileJournalSink.resume(options.path, {
      publicKeys: options.publicKeys ?? publicKeyMap([options.signer.publicKey]),
      sessionId: options.sessionId,
      ...lockOptions(options.fence),
    });
    if (trimmedBytes > 0) {
      options.logger.warn(
        { trimmedBytes, seq: last?.seq ?? null },
        'a session journal ended with an unfinished line (its writer died mid-write): cut away',
      );
    }
    return new SessionJournal(options, { sink, last });
  }

  get sessionId(): string {
    return this.#writer.sessionId;
  }

  /** The last entry written (fsynced), or resumed from; `undefined` before the first. */
  get head(): JournalHead | undefined {
    return this.#writer.head;
  }

  /** The file's last entry when this journal was resumed; `undefined` for a new one (or an empty file). */
  get resumedFrom(): JournalTail | undefined {
    return this.#resumedFrom && { ...this.#resumedFrom };
  }

  get path(): string {
    return this.#path;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Resolves once the entry is in the file (fsynced). Refused (`JournalError` 'closed') after `close` or `detach`. */
  append(type: string, data: Record<string, unknown>): Promise<JournalEntry> {
    if (this.#closing !== undefined) {
      return Promise.reject(JournalError.closed(`session journal ${this.sessionId}`));
    }
    const written = this.#writer.append(type, data);
    this.#lastAppend = written.catch(() => undefined);
    return written;
  }

  /** Anchors the last entry (with a time-stamping authority) and closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#writer.close().finally(() => this.#onClosed());
    return this.#closing;
  }

  /**
   * Lets go of the file without ending the session, for the node that carries it on (this node
   * lost the meeting, or hands it over): the entries already appended are written, then the file
   * is closed and its lock released, and nothing else is written, not even the time-stamped
   * checkpoint `close` would add, so the next owner continues the chain from the last entry.
   * Later appends are refused. Idempotent; after `close`, the same promise as `close`.
   */
  detach(): Promise<void> {
    this.#closing ??= this.#lastAppend.then(() => this.#sink.close()).finally(() => this.#onClosed());
    return this.#closing;
  }
}

function lockOptions(fence: string | undefined): FileJournalSinkOptions {
  if (fence === undefined) {
    return {};
  }
  if (!/^\d{1,15}$/.test(fence)) {
    throw new TypeError('a lease fence is a non-negative integer');
  }
  return { lock: { fence: Number(fence) } };
}
