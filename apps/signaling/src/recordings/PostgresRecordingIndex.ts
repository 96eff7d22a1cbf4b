import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import type { IndexedChunk, IndexedRecording, RecordingIndex } from './RecordingIndex.ts';
import {
  chunkFromRow,
  RECORDING_COLUMNS,
  recordingFromRow,
  type ChunkRow,
  type RecordingRow,
} from './SqliteRecordingIndex.ts';

/**
 * The `recordings` feature's PostgreSQL migrations: the tables of
 * RECORDING_MIGRATIONS (SqliteRecordingIndex) as they are after all of them,
 * and `seq`, the insertion order (SQLite's rowid). Append, never edit a
 * released one.
 */
export const POSTGRES_RECORDING_MIGRATIONS: readonly string[] = [
  `CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    chapters_size INTEGER,
    chapters_sha256 TEXT,
    writer_sha256 TEXT,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX recordings_by_meeting ON recordings (meeting_id, started_at);
  CREATE TABLE recording_chunks (
    recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    stored_at BIGINT NOT NULL,
    PRIMARY KEY (recording_id, chunk_index)
  );`,
];

/** The recordings index in PostgreSQL (feature `recordings`); the bytes stay in files. */
export class PostgresRecordingIndex implements RecordingIndex {
  readonly #db: PostgresDatabase;

  private constructor(database: PostgresDatabase) {
    this.#db = database;
  }

  /** Migrates the `recordings` tables, then gives the index. */
  static async open(options: { database: PostgresDatabase }): Promise<PostgresRecordingIndex> {
    await options.database.migrate('recordings', POSTGRES_RECORDING_MIGRATIONS);
    return new PostgresRecordingIndex(options.database);
  }

  async insert(recording: {
    id: string;
    meetingId: string;
    startedAt: number;
    writerSha256: string;
  }): Promise<void> {
    await this.#db.query(
      'INSERT INTO recordings (id, meeting_id, started_at, writer_sha256) VALUES ($1, $2, $3, $4)',
      [recording.id, recording.meetingId, recording.startedAt, recording.writerSha256],
    );
  }

  async get(recordingId: string): Promise<IndexedRecording | undefined> {
    const { rows } = await this.#db.query<RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE id = $1`,
      [recordingId],
    );
    return rows[0] && recordingFromRow(rows[0]);
  }

  async listByMeeting(meetingId: string): Promise<IndexedRecording[]> {
    const { rows } = await this.#db.query<RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings WHERE meeting_id = $1 ORDER BY started_at, seq`,
      [meetingId],
    );
    return rows.map(recordingFromRow);
  }

  async chunks(recordingId: string): Promise<IndexedChunk[]> {
    const { rows } = await this.#db.query<ChunkRow>(
      'SELECT chunk_index, size, sha256 FROM recording_chunks WHERE recording_id = $1 ORDER BY chunk_index',
      [recordingId],
    );
    return rows.map(chunkFromRow);
  }

  async chunk(recordingId: string, index: number): Promise<IndexedChunk | undefined> {
    const { rows } = await this.#db.query<ChunkRow>(
      'SELECT chunk_index, size, sha256 FROM recording_chunks WHERE recording_id = $1 AND chunk_index = $2',
      [recordingId, index],
    );
    return rows[0] && chunkFromRow(rows[0]);
  }

  async addChunk(recordingId: string, chunk: IndexedChunk, storedAt: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO recording_chunks (recording_id, chunk_index, size, sha256, stored_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [recordingId, chunk.index, chunk.size, chunk.sha256, storedAt],
    );
  }

  async setChapters(recordingId: string, size: number, sha256: string): Promise<void> {
    await this.#db.query('UPDATE recordings SET chapters_size = $1, chapters_sha256 = $2 WHERE id = $3', [
      size,
      sha256,
      recordingId,
    ]);
  }

  async finish(recordingId: string, at: number): Promise<void> {
    await this.#db.query('UPDATE recordings SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL', [
      at,
      recordingId,
    ]);
  }

  async finishedBefore(before: number, limit: number): Promise<IndexedRecording[]> {
    const { rows } = await this.#db.query<RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings
       WHERE finished_at IS NOT NULL AND finished_at < $1 ORDER BY finished_at, seq LIMIT $2`,
      [before, limit],
    );
    return rows.map(recordingFromRow);
  }

  async deleteFinishedBefore(recordingId: string, before: number): Promise<boolean> {
    // The chunks' rows go with it (ON DELETE CASCADE); conditional, so two nodes' sweeps delete it once.
    const { rowCount } = await this.#db.query(
      'DELETE FROM recordings WHERE id = $1 AND finished_at IS NOT NULL AND finished_at < $2',
      [recordingId, before],
    );
    return rowCount === 1;
  }
}
