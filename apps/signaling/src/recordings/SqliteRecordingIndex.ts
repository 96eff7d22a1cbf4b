import type { StatementSync } from 'node:sqlite';
import { settle } from '../meetings/settle.ts';
import type { Database } from '../storage/Database.ts';
import type { IndexedChunk, IndexedRecording, RecordingIndex } from './RecordingIndex.ts';

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

export interface RecordingRow {
  id: string;
  meeting_id: string;
  started_at: number;
  finished_at: number | null;
  chapters_sha256: string | null;
  writer_sha256: string | null;
}

export interface ChunkRow {
  chunk_index: number;
  size: number;
  sha256: string;
}

export const RECORDING_COLUMNS = 'id, meeting_id, started_at, finished_at, chapters_sha256, writer_sha256';

export function recordingFromRow(row: RecordingRow): IndexedRecording {
  return {
    id: row.id,
    meetingId: row.meeting_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    chaptersSha256: row.chapters_sha256,
    writerSha256: row.writer_sha256,
  };
}

export function chunkFromRow(row: ChunkRow): IndexedChunk {
  return { index: row.chunk_index, size: row.size, sha256: row.sha256 };
}

/** The recordings index in the signaling SQLite database (feature `recordings`). */
export class SqliteRecordingIndex implements RecordingIndex {
  readonly #insertRecording: StatementSync;
  readonly #selectRecording: StatementSync;
  readonly #selectByMeeting: StatementSync;
  readonly #selectChunks: StatementSync;
  readonly #selectChunk: StatementSync;
  readonly #insertChunk: StatementSync;
  readonly #updateChapters: StatementSync;
  readonly #finish: StatementSync;
  readonly #selectFinishedBefore: StatementSync;
  readonly #deleteFinishedBefore: StatementSync;

  constructor(database: Database) {
    database.migrate('recordings', RECORDING_MIGRATIONS);
    const db = database.sqlite;
    this.#insertRecording = db.prepare(
      'INSERT INTO recordings (id, meeting_id, started_at, writer_sha256) VALUES (?, ?, ?, ?)',
    );
    this.#selectRecording = db.prepare(`SELECT ${RECORDING_COLUMNS} FROM recordings WHERE id = ?`);
    this.#selectByMeeting = db.prepare(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE meeting_id = ? ORDER BY started_at, rowid`,
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
    this.#selectFinishedBefore = db.prepare(
      `SELECT ${RECORDING_COLUMNS} FROM recordings
       WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at, rowid LIMIT ?`,
    );
    // The chunks' rows go with it (ON DELETE CASCADE; the database turns foreign keys on).
    this.#deleteFinishedBefore = db.prepare(
      'DELETE FROM recordings WHERE id = ? AND finished_at IS NOT NULL AND finished_at < ?',
    );
  }

  insert(recording: {
    id: string;
    meetingId: string;
    startedAt: number;
    writerSha256: string;
  }): Promise<void> {
    return settle(() => {
      this.#insertRecording.run(
        recording.id,
        recording.meetingId,
        recording.startedAt,
        recording.writerSha256,
      );
    });
  }

  get(recordingId: string): Promise<IndexedRecording | undefined> {
    return settle(() => {
      const row = this.#selectRecording.get(recordingId) as RecordingRow | undefined;
      return row && recordingFromRow(row);
    });
  }

  listByMeeting(meetingId: string): Promise<IndexedRecording[]> {
    return settle(() =>
      (this.#selectByMeeting.all(meetingId) as unknown as RecordingRow[]).map(recordingFromRow),
    );
  }

  chunks(recordingId: string): Promise<IndexedChunk[]> {
    return settle(() => (this.#selectChunks.all(recordingId) as unknown as ChunkRow[]).map(chunkFromRow));
  }

  chunk(recordingId: string, index: number): Promise<IndexedChunk | undefined> {
    return settle(() => {
      const row = this.#selectChunk.get(recordingId, index) as ChunkRow | undefined;
      return row && chunkFromRow(row);
    });
  }

  addChunk(recordingId: string, chunk: IndexedChunk, storedAt: number): Promise<void> {
    return settle(() => {
      this.#insertChunk.run(recordingId, chunk.index, chunk.size, chunk.sha256, storedAt);
    });
  }

  setChapters(recordingId: string, size: number, sha256: string): Promise<void> {
    return settle(() => {
      this.#updateChapters.run(size, sha256, recordingId);
    });
  }

  finish(recordingId: string, at: number): Promise<void> {
    return settle(() => {
      this.#finish.run(at, recordingId);
    });
  }

  finishedBefore(before: number, limit: number): Promise<IndexedRecording[]> {
    return settle(() =>
      (this.#selectFinishedBefore.all(before, limit) as unknown as RecordingRow[]).map(recordingFromRow),
    );
  }

  deleteFinishedBefore(recordingId: string, before: number): Promise<boolean> {
    return settle(() => this.#deleteFinishedBefore.run(recordingId, before).changes === 1);
  }
}
