import { existsSync } from 'node:fs';
import { open, readdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { meetingIdSchema } from '@confidentiel/protocol';
import { JournalLock, JournalSigner, TimeStamper, type TimeStampSource } from '@confidentiel/journal';
import { ensureJournalKey } from './journalKey.ts';
import { SessionJournal, type SessionJournalOptions } from './SessionJournal.ts';

/** A session's id: the ISO 8601 time it started (UTC, milliseconds), also its file name. */
export const SESSION_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const JOURNAL_EXTENSION = '.jsonl';

/** Bytes read from a journal's end to find its last entry (an entry is far shorter). */
const TAIL_BYTES = 64 * 1024;

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

  /** The time-stamping authority (`TSA_URL`) and cadence (`TSA_EVERY`); undefined when none is set. */
  get timeStamping(): { url: string; every: number } | undefined {
    const stamping = this.#timeStamping;
    return stamping && { url: stamping.authority.url, every: stamping.every };
  }

  /**
   * Starts the journal of a new session of `meetingId`, named after the time it starts. `fence`: this
   * node's lease fence on the meeting (cluster), which the file is held under (see `JournalLock`).
   */
  open(meetingId: string, fence?: string): SessionJournal {
    this.#checkOpen();
    const folder = this.#meetingFolder(meetingId);
    // Strictly later than the previous session of the meeting, and never an existing file.
    let start = Math.max(this.#now(), (this.#lastStart.get(meetingId) ?? -1) + 1);
    while (existsSync(join(folder, `${new Date(start).toISOString()}${JOURNAL_EXTENSION}`))) {
      start++;
    }
    this.#lastStart.set(meetingId, start);
    const sessionId = new Date(start).toISOString();
    const path = join(folder, `${sessionId}${JOURNAL_EXTENSION}`);
    const journal: SessionJournal = new SessionJournal(
      this.#journalOptions(meetingId, sessionId, path, fence, () => this.#forget(path, journal)),
    );
    this.#live.set(path, journal);
    return journal;
  }

  /**
   * Reopens the journal of a session another node was writing (its owner died or handed the meeting
   * over) to continue its one chain under this node's `fence`: see `SessionJournal.resume`, whose
   * errors it passes on. `sessionId` is the file's name without its extension (the start time).
   */
  async resume(meetingId: string, sessionId: string, fence?: string): Promise<SessionJournal> {
    this.#checkOpen();
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      throw new TypeError('not a session id');
    }
    const path = join(this.#meetingFolder(meetingId), `${sessionId}${JOURNAL_EXTENSION}`);
    if (this.#live.has(path)) {
      throw new Error(
        `the session journal ${meetingId.slice(0, 6)}/${sessionId} is still open in this process`,
      );
    }
    const journal: SessionJournal = await SessionJournal.resume(
      this.#journalOptions(meetingId, sessionId, path, fence, () => this.#forget(path, journal)),
    );
    if (this.#closed) {
      await journal.detach();
      throw new Error('journal service is closed');
    }
    // The next session of the meeting started here is named after this one.
    this.#lastStart.set(meetingId, Math.max(this.#lastStart.get(meetingId) ?? -1, Date.parse(sessionId)));
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

  /**
   * Deletes session journals closed before `before`, at most `limit` per call; how many it deleted.
   * A journal's age runs from its last entry (the closing checkpoint of a closed session), so one
   * still within its retention is never deleted. Never deleted either: a journal this process
   * writes, one a writer holds under a lock (another node, or a killed writer whose takeover is
   * pending), any journal of a meeting `keepMeeting` says is under way (its session may be
   * resumed), and a file whose last entry cannot be read. Idempotent across nodes sharing the
   * directory: a file another node unlinked first is not counted here.
   */
  async deleteClosedBefore(
    before: number,
    limit: number,
    keepMeeting: (meetingId: string) => Promise<boolean>,
  ): Promise<number> {
    let deleted = 0;
    for (const meetingId of await this.#meetingFolders()) {
      if (deleted >= limit) {
        break;
      }
      const expired = [];
      for (const file of await this.#sessions(meetingId)) {
        const path = join(this.#meetingFolder(meetingId), file);
        if (this.#live.has(path) || (await JournalLock.fences(path)).length > 0) {
          continue;
        }
        const closedAt = await lastEntryTime(path);
        if (closedAt !== undefined && closedAt < before) {
          expired.push(path);
        }
      }
      if (expired.length === 0 || (await keepMeeting(meetingId))) {
        continue;
      }
      for (const path of expired.slice(0, limit - deleted)) {
        try {
          await unlink(path);
          deleted++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw error;
          }
        }
      }
      // The meeting's folder goes with its last journal (a new session makes it again).
      await rmdir(this.#meetingFolder(meetingId)).catch(() => undefined);
    }
    return deleted;
  }

  /** Closes every journal still being written (each anchored with a last time-stamp). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#live.values()].map((journal) => journal.close().catch(() => undefined)));
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new Error('journal service is closed');
    }
  }

  #journalOptions(
    meetingId: string,
    sessionId: string,
    path: string,
    fence: string | undefined,
    onClosed: () => void,
  ): SessionJournalOptions {
    return {
      sessionId: `${meetingId}/${sessionId}`,
      path,
      signer: this.#signer,
      now: this.#now,
      logger: this.#logger,
      timeStamping: this.#timeStamping,
      onClosed,
      fence,
    };
  }

  /** The meeting folders under the directory (anything else there is left alone). */
  async #meetingFolders(): Promise<string[]> {
    try {
      const entries = await readdir(this.#directory, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isDirectory() && meetingIdSchema.safeParse(entry.name).success)
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw error;
    }
  }

  /** The meeting's journal file names, oldest first. */
  async #sessions(meetingId: string): Promise<string[]> {
    try {
      return (await readdir(this.#meetingFolder(meetingId)))
        .filter(
          (name) =>
            name.endsWith(JOURNAL_EXTENSION) &&
            SESSION_ID_PATTERN.test(name.slice(0, -JOURNAL_EXTENSION.length)),
        )
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw error;
    }
  }

  #forget(path: string, journal: SessionJournal): void {
    if (this.#live.get(path) === journal) {
      this.#live.delete(path);
    }
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

/**
 * When the journal's last complete entry was written (its `at`); the file's modification time for
 * a journal without a complete entry; undefined when its last entry cannot be read (then it stays).
 */
async function lastEntryTime(path: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      return size < TAIL_BYTES ? (await stat(path)).mtimeMs : undefined;
    }
    const line = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
    const at = (JSON.parse(line) as { at?: unknown }).at;
    return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
