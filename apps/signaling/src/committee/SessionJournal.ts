import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  FileJournalSink,
  JournalWriter,
  type JournalEntry,
  type JournalSigner,
  type JournalSink,
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

  constructor(path: string) {
    this.#opening = mkdir(dirname(path), { recursive: true, mode: 0o700 }).then(() =>
      FileJournalSink.create(path),
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
}

/** The journal of one committee session: a JournalWriter over an fsynced JSON Lines file. */
export class SessionJournal {
  readonly #writer: JournalWriter;
  readonly #path: string;
  readonly #onClosed: () => void;
  #closing: Promise<void> | undefined;

  constructor(options: SessionJournalOptions) {
    this.#path = options.path;
    this.#onClosed = options.onClosed;
    this.#writer = new JournalWriter({
      sessionId: options.sessionId,
      sink: new DeferredFileSink(options.path),
      signer: options.signer,
      now: options.now,
      ...(options.timeStamping ? { timeStamping: options.timeStamping } : {}),
    });
    this.#writer.on('timestamp-failed', (error) => {
      options.logger.warn(
        { reason: error.reason, err: error },
        'time-stamping authority failed; the checkpoint records it',
      );
    });
  }

  get sessionId(): string {
    return this.#writer.sessionId;
  }

  get path(): string {
    return this.#path;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Resolves once the entry is in the file (fsynced). */
  append(type: string, data: Record<string, unknown>): Promise<JournalEntry> {
    return this.#writer.append(type, data);
  }

  /** Anchors the last entry (with a time-stamping authority) and closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#writer.close().finally(() => this.#onClosed());
    return this.#closing;
  }
}
