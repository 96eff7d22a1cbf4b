import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordingIdSchema, type RecordingSummary } from '@confidentiel/protocol';
import type { Database } from '../storage/Database.ts';
import { RecordingError } from './RecordingError.ts';
import type { IndexedRecording, RecordingIndex } from './RecordingIndex.ts';
import { SqliteRecordingIndex } from './SqliteRecordingIndex.ts';

export { RECORDING_MIGRATIONS } from './SqliteRecordingIndex.ts';

/** Bytes of a recording's write token (base64url: 43 characters). */
const WRITE_TOKEN_BYTES = 32;
const WRITE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** What a stored piece of a recording is known by. */
export interface StoredPiece {
  size: number;
  sha256: string;
  /** False when the same bytes were already there (a retried upload). */
  created: boolean;
}

export type RecordingStoreOptions = (
  | {
      /** The index (SQLite or PostgreSQL, see storage/createStores.ts). */
      index: RecordingIndex;
    }
  | {
      /** The SQLite database to keep the index in (a SqliteRecordingIndex on it). */
      database: Database;
    }
) & {
  /** Where chunk files go: `<directory>/<recordingId>/<index>.bin` (made 0700 if missing). */
  directory: string;
  now?: () => number;
  random?: (n: number) => Buffer;
};

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
 * open. The index (which chunks, their sizes and digests) is a
 * RecordingIndex, in the database (feature `recordings`); the bytes are files
 * on this machine, each written whole (temporary file, fsync, rename) with
 * mode 0600, so a crash leaves either the old state or the new, never half a
 * chunk. A chunk index is written once: the same
 * bytes again are accepted (a retry whose answer was lost), other bytes are
 * a conflict.
 */
export class RecordingStore {
  readonly #directory: string;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  /** Writes to one recording run one at a time (two uploads of one index must not race). */
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #index: RecordingIndex;

  constructor(options: RecordingStoreOptions) {
    this.#directory = options.directory;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? randomBytes;
    this.#index = 'index' in options ? options.index : new SqliteRecordingIndex(options.database);
  }

  /**
   * A new, empty recording of `meetingId`; its id is 16 random bytes,
   * base64url. The write token (32 random bytes) is returned once and only
   * its digest kept: whoever holds it, and nobody else, adds to the recording.
   */
  async create(meetingId: string): Promise<CreatedRecording> {
    const id = this.#random(16).toString('base64url');
    const writeToken = this.#random(WRITE_TOKEN_BYTES).toString('base64url');
    await this.#index.insert({
      id,
      meetingId,
      startedAt: this.#now(),
      writerSha256: sha256Hex(Buffer.from(writeToken)),
    });
    return { recording: await this.#summaryOf((await this.#index.get(id))!), writeToken };
  }

  /** Whether `writeToken` is the one given when the recording was made (constant time). */
  async isWriter(recordingId: string, writeToken: string | undefined): Promise<boolean> {
    const expected = (await this.#index.get(recordingId))?.writerSha256;
    if (!expected || writeToken === undefined || !WRITE_TOKEN.test(writeToken)) {
      return false;
    }
    return timingSafeEqual(
      Buffer.from(sha256Hex(Buffer.from(writeToken)), 'hex'),
      Buffer.from(expected, 'hex'),
    );
  }

  /** The recording, or undefined if unknown. */
  async get(recordingId: string): Promise<RecordingSummary | undefined> {
    const recording = await this.#index.get(recordingId);
    return recording && this.#summaryOf(recording);
  }

  /** The meeting's recordings, oldest first. */
  async list(meetingId: string): Promise<RecordingSummary[]> {
    const recordings = await this.#index.listByMeeting(meetingId);
    return Promise.all(recordings.map((recording) => this.#summaryOf(recording)));
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
      const recording = await this.#index.get(recordingId);
      if (!recording) {
        throw RecordingError.notFound();
      }
      const sha256 = sha256Hex(bytes);
      const existing = await this.#index.chunk(recordingId, index);
      if (existing) {
        if (existing.sha256 !== sha256) {
          throw RecordingError.conflict(index);
        }
        return { size: existing.size, sha256, created: false };
      }
      if (recording.finishedAt !== null) {
        throw RecordingError.finished();
      }
      await this.#writeAtomically(recordingId, `${index}.bin`, bytes);
      await this.#index.addChunk(recordingId, { index, size: bytes.length, sha256 }, this.#now());
      return { size: bytes.length, sha256, created: true };
    });
  }

  /** The stored bytes of chunk `index`, or undefined. */
  async readChunk(recordingId: string, index: number): Promise<Buffer | undefined> {
    const chunk = await this.#index.chunk(recordingId, index);
    return chunk ? readFile(join(this.#directory, recordingId, `${index}.bin`)) : undefined;
  }

  /**
   * Stores (or replaces, until the recording is finished) the sealed
   * chapters. After finish only the same bytes are accepted again.
   */
  putChapters(recordingId: string, bytes: Uint8Array): Promise<StoredPiece> {
    return this.#exclusive(recordingId, async () => {
      const recording = await this.#index.get(recordingId);
      if (!recording) {
        throw RecordingError.notFound();
      }
      const sha256 = sha256Hex(bytes);
      if (recording.chaptersSha256 === sha256) {
        return { size: bytes.length, sha256, created: false };
      }
      if (recording.finishedAt !== null) {
        throw RecordingError.finished();
      }
      await this.#writeAtomically(recordingId, CHAPTERS_FILE, bytes);
      await this.#index.setChapters(recordingId, bytes.length, sha256);
      return { size: bytes.length, sha256, created: true };
    });
  }

  /** The sealed chapters, or undefined when none were uploaded. */
  async readChapters(recordingId: string): Promise<Buffer | undefined> {
    const recording = await this.#index.get(recordingId);
    return recording?.chaptersSha256
      ? readFile(join(this.#directory, recordingId, CHAPTERS_FILE))
      : undefined;
  }

  /** Marks the recording finished (idempotent: the first time is kept). */
  finish(recordingId: string): Promise<RecordingSummary> {
    return this.#exclusive(recordingId, async () => {
      if (!(await this.#index.get(recordingId))) {
        throw RecordingError.notFound();
      }
      await this.#index.finish(recordingId, this.#now());
      return this.#summaryOf((await this.#index.get(recordingId))!);
    });
  }

  /**
   * Deletes recordings finished before `before` (a recording still being written is never
   * finished, so never deleted), at most `limit` per call: its files first, then its index rows, so
   * that a crash in between leaves a row the next sweep finds and finishes. Idempotent, also
   * across nodes sharing the directory and the database: the row goes only if it is still expired,
   * and only the caller that removed it counts it. How many this call deleted.
   */
  async deleteFinishedBefore(before: number, limit: number): Promise<number> {
    let deleted = 0;
    for (const recording of await this.#index.finishedBefore(before, limit)) {
      // The id becomes a path given to a recursive rm: only the alphabet ids are made of.
      if (!recordingIdSchema.safeParse(recording.id).success) {
        throw new Error('the recordings index holds an id that is not a recording id');
      }
      const removed = await this.#exclusive(recording.id, async () => {
        await rm(join(this.#directory, recording.id), { recursive: true, force: true });
        return this.#index.deleteFinishedBefore(recording.id, before);
      });
      if (removed) {
        deleted++;
      }
    }
    return deleted;
  }

  async #summaryOf(recording: IndexedRecording): Promise<RecordingSummary> {
    const chunks = await this.#index.chunks(recording.id);
    return {
      recordingId: recording.id,
      meetingId: recording.meetingId,
      startedAt: recording.startedAt,
      chunks: chunks.map((c) => ({ index: c.index, size: c.size, sha256: c.sha256 })),
      hasChapters: recording.chaptersSha256 !== null,
      finishedAt: recording.finishedAt,
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
