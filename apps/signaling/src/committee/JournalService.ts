import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { meetingIdSchema } from '@confidentiel/protocol';
import { JournalSigner, TimeStamper, type TimeStampSource } from '@confidentiel/journal';
import { ensureJournalKey } from './journalKey.ts';
import { SessionJournal } from './SessionJournal.ts';

/** A session's id: the ISO 8601 time it started (UTC, milliseconds), also its file name. */
export const SESSION_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const JOURNAL_EXTENSION = '.jsonl';

/** What the organiser sees of a session journal. */
export interface JournalSummary {
  sessionId: string;
  file: string;
  startedAt: number;
  entries: number;
  /** False while this process still writes it. */
  closed: boolean;
}

export interface JournalServiceOptions {
  /** `DATA_DIR/journals`: one directory per meeting, one file per session. */
  directory: string;
  signer: JournalSigner;
  logger: Logger;
  now?: () => number;
  /** RFC 3161 checkpoints every `every` entries and at the end of each session. */
  timeStamping?: { authority: TimeStampSource; every: number } | undefined;
}

export interface JournalSettings {
  directory: string;
  /** Ed25519 private key (PEM), made on first start when missing. */
  keyPath: string;
  tsaUrl?: string | undefined;
  tsaEvery: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The session journals of committee meetings: opens one signed, chained
 * journal file per session, lists and reads them back for export, and
 * publishes the service's public key.
 */
export class JournalService {
  readonly #directory: string;
  readonly #signer: JournalSigner;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #timeStamping: JournalServiceOptions['timeStamping'];
  /** Journals being written, by file path. */
  readonly #live = new Map<string, SessionJournal>();
  readonly #lastStart = new Map<string, number>();
  #closed = false;

  constructor(options: JournalServiceOptions) {
    this.#directory = options.directory;
    this.#signer = options.signer;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#timeStamping = options.timeStamping;
  }

  /** Loads (or makes) the signing key and sets up time-stamping from the settings. */
  static async create(settings: JournalSettings): Promise<JournalService> {
    const signer = new JournalSigner(await ensureJournalKey(settings.keyPath, settings.logger));
    return new JournalService({
      directory: settings.directory,
      signer,
      logger: settings.logger,
      ...(settings.now ? { now: settings.now } : {}),
      timeStamping:
        settings.tsaUrl === undefined
          ? undefined
          : { authority: new TimeStamper({ url: settings.tsaUrl }), every: settings.tsaEvery },
    });
  }

  get keyId(): string {
    return this.#signer.keyId;
  }

  /** The public key clerks verify journals with (SPKI PEM). */
  get publicKeyPem(): string {
    return this.#signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts the journal of a new session of `meetingId`, named after the time it starts. */
  open(meetingId: string): SessionJournal {
    if (this.#closed) {
      throw new Error('journal service is closed');
    }
    const folder = this.#meetingFolder(meetingId);
    // Strictly later than the previous session of the meeting, and never an existing file.
    let start = Math.max(this.#now(), (this.#lastStart.get(meetingId) ?? -1) + 1);
    while (existsSync(join(folder, `${new Date(start).toISOString()}${JOURNAL_EXTENSION}`))) {
      start++;
    }
    this.#lastStart.set(meetingId, start);
    const sessionId = new Date(start).toISOString();
    const path = join(folder, `${sessionId}${JOURNAL_EXTENSION}`);
    const journal = new SessionJournal({
      sessionId: `${meetingId}/${sessionId}`,
      path,
      signer: this.#signer,
      now: this.#now,
      logger: this.#logger,
      timeStamping: this.#timeStamping,
      onClosed: () => this.#live.delete(path),
    });
    this.#live.set(path, journal);
    return journal;
  }

  /** The meeting's session journals, oldest first. */
  async list(meetingId: string): Promise<JournalSummary[]> {
    const folder = this.#meetingFolder(meetingId);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw error;
    }
    const sessions = names
      .filter((name) => name.endsWith(JOURNAL_EXTENSION))
      .map((name) => name.slice(0, -JOURNAL_EXTENSION.length))
      .filter((sessionId) => SESSION_ID_PATTERN.test(sessionId))
      .sort();
    const summaries: JournalSummary[] = [];
    for (const sessionId of sessions) {
      const file = `${sessionId}${JOURNAL_EXTENSION}`;
      const text = await this.read(meetingId, sessionId);
      summaries.push({
        sessionId,
        file,
        startedAt: Date.parse(sessionId),
        entries: text === undefined ? 0 : countLines(text),
        closed: !this.#live.has(join(folder, file)),
      });
    }
    return summaries;
  }

  /** The journal's complete lines (a line being written is left out); undefined if none. */
  async read(meetingId: string, sessionId: string): Promise<string | undefined> {
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      return undefined;
    }
    try {
      const text = await readFile(
        join(this.#meetingFolder(meetingId), `${sessionId}${JOURNAL_EXTENSION}`),
        'utf8',
      );
      return text.slice(0, text.lastIndexOf('\n') + 1);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  }

  /** Closes every journal still being written (each anchored with a last time-stamp). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#live.values()].map((journal) => journal.close().catch(() => undefined)));
  }

  #meetingFolder(meetingId: string): string {
    // The id becomes a directory name: only the strict meeting id alphabet.
    if (!meetingIdSchema.safeParse(meetingId).success) {
      throw new TypeError('not a meeting id');
    }
    return join(this.#directory, meetingId);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    n++;
  }
  return n;
}
