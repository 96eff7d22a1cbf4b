import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import type { RecordingSummary } from '@confidentiel/protocol';
import { settle } from '../meetings/settle.ts';
import type { Database } from '../storage/Database.ts';
import { RecordingError } from './RecordingError.ts';

/** The `recordings` feature's migrations: append, never edit a released one. */
export const RECORDING_MIGRATIONS: readonly string[] = [
  `CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    chapters_size INTEGER,
    chapters_sha256 TEXT
  ) STRICT;
  CREATE INDEX recordings_by_meeting ON recordings (meeting_id, started_at);
  CREATE TABLE recording_chunks (
    recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (recording_id, chunk_index)
  ) STRICT;`,
  // The SHA-256 of the write token handed to the browser that started the recording; recordings
  // made before it have none, and nobody can add to them any more.
  `ALTER TABLE recordings ADD COLUMN writer_sha256 TEXT;`,
];

/** Bytes of a recording's write token (base64url: 43 characters). */
const WRITE_TOKEN_BYTES = 32;
const WRITE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

interface RecordingRow {
  id: string;
  meeting_id: string;
  started_at: number;
  finished_at: number | null;
  chapters_sha256: string | null;
  writer_sha256: string | null;
}

interface ChunkRow {
  chunk_index: number;
  size: number;
  sha256: string;
}

/** What a stored piece of a recording is known by. */
export interface StoredPiece {
  size: number;
  sha256: string;
  /** False when the same bytes were already there (a retried upload). */
  created: boolean;
}

export interface RecordingStoreOptions {
  database: Database;
  /** Where chunk files go: `<directory>/<recordingId>/<index>.bin` (made 0700 if missing). */
  directory: string;
  now?: () => number;
  random?: (n: number) => Buffer;
}

const CHAPTERS_FILE = 'chapters.bin';

/** A new recording and the token that lets its browser write to it (given once, stored hashed). */
export interface CreatedRecording {
  recording: RecordingSummary;
  writeToken: string;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Recordings of committee sessions, as the chair's browser uploads them:
 * sealed chunks and sealed chapters, never anything this process could
 * open. The index (which chunks, their sizes and digests) is in SQLite
 * (feature `recordings`); the bytes are files, each written whole (temporary
 * file, fsync, rename) with mode 0600, so a crash leaves either the old state
 * or the new, never half a chunk. A chunk index is written once: the same
 * bytes again are accepted (a retry whose answer was lost), other bytes are
 * a conflict.
 */
export class RecordingStore {
  readonly #directory: string;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  /** Writes to one recording run one at a time (two uploads of one index must not race). */
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #insertRecording: StatementSync;
  readonly #selectRecording: StatementSync;
  readonly #selectByMeeting: StatementSync;
  readonly #selectChunks: StatementSync;
  readonly #selectChunk: StatementSync;
  readonly #insertChunk: StatementSync;
  readonly #updateChapters: StatementSync;
  readonly #finish: StatementSync;

  constructor(options: RecordingStoreOptions) {
    this.#directory = options.directory;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
    options.database.migrate('recordings', RECORDING_MIGRATIONS);
    const db = options.database.sqlite;
    const columns = 'id, meeting_id, started_at, finished_at, chapters_sha256, writer_sha256';
    this.#insertRecording = db.prepare(
      'INSERT INTO recordings (id, meeting_id, started_at, writer_sha256) VALUES (?, ?, ?, ?)',
    );
    this.#selectRecording = db.prepare(`SELECT ${columns} FROM recordings WHERE id = ?`);
    this.#selectByMeeting = db.prepare(
      `SELECT ${columns} FROM recordings WHERE meeting_id = ? ORDER BY started_at, rowid`,
    );
    this.#selectChunks = db.prepare(
      'SELECT chunk_index, size, sha256 FROM recording_chunks WHERE recording_id = ? ORDER BY chunk_index',
    );
    this.#selectChunk = db.prepare(
      'SELECT chunk_index, size, sha256 FROM recording_chunks WHERE recording_id = ? AND chunk_index = ?',
    );
    this.#insertChunk = db.prepare(
      'INSERT INTO recording_chunks (recording_id, chunk_index, size, sha256, stored_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#updateChapters = db.prepare(
      'UPDATE recordings SET chapters_size = ?, chapters_sha256 = ? WHERE id = ?',
    );
    this.#finish = db.prepare('UPDATE recordings SET finished_at = ? WHERE id = ? AND finished_at IS NULL');
  }

  /**
   * A new, empty recording of `meetingId`; its id is 16 random bytes,
   * base64url. The write token (32 random bytes) is returned once and only
   * its digest kept: whoever holds it, and nobody else, adds to the recording.
   */
  create(meetingId: string): Promise<CreatedRecording> {
    return settle(() => {
      const id = this.#random(16).toString('base64url');
      const writeToken = this.#random(WRITE_TOKEN_BYTES).toString('base64url');
      this.#insertRecording.run(id, meetingId, this.#now(), sha256Hex(Buffer.from(writeToken)));
      return { recording: this.#summaryOf(this.#row(id)!), writeToken };
    });
  }

  /** Whether `writeToken` is the one given when the recording was made (constant time). */
  isWriter(recordingId: string, writeToken: string | undefined): Promise<boolean> {
    return settle(() => {
      const expected = this.#row(recordingId)?.writer_sha256;
      if (!expected || writeToken === undefined || !WRITE_TOKEN.test(writeToken)) {
        return false;
      }
      return timingSafeEqual(
        Buffer.from(sha256Hex(Buffer.from(writeToken)), 'hex'),
        Buffer.from(expected, 'hex'),
      );
    });
  }

  /** The recording, or undefined if unknown. */
  get(recordingId: string): Promise<RecordingSummary | undefined> {
    return settle(() => {
      const row = this.#row(recordingId);
      return row && this.#summaryOf(row);
    });
  }

  /** The meeting's recordings, oldest first. */
  list(meetingId: string): Promise<RecordingSummary[]> {
    return settle(() =>
      (this.#selectByMeeting.all(meetingId) as unknown as RecordingRow[]).map((row) => this.#summaryOf(row)),
    );
  }

  /**
   * Stores chunk `index` (already sealed by the browser). Throws a
   * RecordingError: `not-found`, `conflict` (other bytes at this index),
   * `finished` (a new index after finish).
   */
  putChunk(recordingId: string, index: number, bytes: Uint8Array): Promise<StoredPiece> {
    if (!Number.isInteger(index) || index < 0) {
      return Promise.reject(new TypeError('chunk index must be a non-negative integer'));
    }
    return this.#exclusive(recordingId, async () => {
      const recording = this.#row(recordingId);
      if (!recording) {
        throw RecordingError.notFound();
      }
      const sha256 = sha256Hex(bytes);
      const existing = this.#selectChunk.get(recordingId, index) as ChunkRow | undefined;
      if (existing) {
        if (existing.sha256 !== sha256) {
          throw RecordingError.conflict(index);
        }
        return { size: existing.size, sha256, created: false };
      }
      if (recording.finished_at !== null) {
        throw RecordingError.finished();
      }
      await this.#writeAtomically(recordingId, `${index}.bin`, bytes);
      this.#insertChunk.run(recordingId, index, bytes.length, sha256, this.#now());
      return { size: bytes.length, sha256, created: true };
    });
  }

  /** The stored bytes of chunk `index`, or undefined. */
  async readChunk(recordingId: string, index: number): Promise<Buffer | undefined> {
    const chunk = (await settle(() => this.#selectChunk.get(recordingId, index))) as ChunkRow | undefined;
    return chunk ? readFile(join(this.#directory, recordingId, `${index}.bin`)) : undefined;
  }

  /**
   * Stores (or replaces, until the recording is finished) the sealed
   * chapters. After finish only the same bytes are accepted again.
   */
  putChapters(recordingId: string, bytes: Uint8Array): Promise<StoredPiece> {
    return this.#exclusive(recordingId, async () => {
      const recording = this.#row(recordingId);
      if (!recording) {
        throw RecordingError.notFound();
      }
      const sha256 = sha256Hex(bytes);
      if (recording.chapters_sha256 === sha256) {
        return { size: bytes.length, sha256, created: false };
      }
      if (recording.finished_at !== null) {
        throw RecordingError.finished();
      }
      await this.#writeAtomically(recordingId, CHAPTERS_FILE, bytes);
      this.#updateChapters.run(bytes.length, sha256, recordingId);
      return { size: bytes.length, sha256, created: true };
    });
  }

  /** The sealed chapters, or undefined when none were uploaded. */
  async readChapters(recordingId: string): Promise<Buffer | undefined> {
    const row = await settle(() => this.#row(recordingId));
    return row?.chapters_sha256 ? readFile(join(this.#directory, recordingId, CHAPTERS_FILE)) : undefined;
  }

  /** Marks the recording finished (idempotent: the first time is kept). */
  finish(recordingId: string): Promise<RecordingSummary> {
    return this.#exclusive(recordingId, () => {
      if (!this.#row(recordingId)) {
        throw RecordingError.notFound();
      }
      this.#finish.run(this.#now(), recordingId);
      return this.#summaryOf(this.#row(recordingId)!);
    });
  }

  #row(recordingId: string): RecordingRow | undefined {
    return this.#selectRecording.get(recordingId) as RecordingRow | undefined;
  }

  #summaryOf(row: RecordingRow): RecordingSummary {
    const chunks = this.#selectChunks.all(row.id) as unknown as ChunkRow[];
    return {
      recordingId: row.id,
      meetingId: row.meeting_id,
      startedAt: row.started_at,
      chunks: chunks.map((c) => ({ index: c.chunk_index, size: c.size, sha256: c.sha256 })),
      hasChapters: row.chapters_sha256 !== null,
      finishedAt: row.finished_at,
    };
  }

  /** Temporary file in the same directory, written and flushed, then renamed over the target. */
  async #writeAtomically(recordingId: string, name: string, bytes: Uint8Array): Promise<void> {
    const directory = join(this.#directory, recordingId);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const target = join(directory, name);
    const temporary = join(directory, `.${name}.${this.#random(6).toString('hex')}.tmp`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await file.close();
    try {
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    // The rename itself is durable only once the directory is flushed.
    const dir = await open(directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  #exclusive<T>(recordingId: string, work: () => T | Promise<T>): Promise<T> {
    const previous = this.#locks.get(recordingId) ?? Promise.resolve();
    const run = previous.then(work);
    const settled = run.catch(() => undefined);
    this.#locks.set(recordingId, settled);
    void settled.then(() => {
      if (this.#locks.get(recordingId) === settled) {
        this.#locks.delete(recordingId);
      }
    });
    return run;
  }
}
