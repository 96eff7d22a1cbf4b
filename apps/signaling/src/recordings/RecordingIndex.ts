/** What the index knows of one recording (its bytes are files, see RecordingStore). */
export interface IndexedRecording {
  id: string;
  meetingId: string;
  startedAt: number;
  finishedAt: number | null;
  /** Hex SHA-256 of the sealed chapters; null until uploaded. */
  chaptersSha256: string | null;
  /** Hex SHA-256 of the write token; null for recordings made before write tokens. */
  writerSha256: string | null;
}

export interface IndexedChunk {
  index: number;
  size: number;
  /** Hex SHA-256 of the sealed bytes. */
  sha256: string;
}

/**
 * The index of recordings: which recordings a meeting has, which chunks each
 * holds, their sizes and digests. Only the index lives in the database
 * (SQLite or PostgreSQL); RecordingStore keeps the bytes in files and decides
 * what may be written.
 */
export interface RecordingIndex {
  insert(recording: {
    id: string;
    meetingId: string;
    startedAt: number;
    writerSha256: string;
  }): Promise<void>;
  get(recordingId: string): Promise<IndexedRecording | undefined>;
  /** Oldest first (insertion order among equal start times). */
  listByMeeting(meetingId: string): Promise<IndexedRecording[]>;
  /** By index. */
  chunks(recordingId: string): Promise<IndexedChunk[]>;
  chunk(recordingId: string, index: number): Promise<IndexedChunk | undefined>;
  /** Throws when the index is taken already (a chunk index is written once). */
  addChunk(recordingId: string, chunk: IndexedChunk, storedAt: number): Promise<void>;
  setChapters(recordingId: string, size: number, sha256: string): Promise<void>;
  /** Marks it finished at `at` unless it is already (the first time stays). */
  finish(recordingId: string, at: number): Promise<void>;
  /** Recordings finished before `before` (never an unfinished one), longest finished first, at most `limit`. */
  finishedBefore(before: number, limit: number): Promise<IndexedRecording[]>;
  /**
   * Forgets the recording and its chunks if it is still finished before `before`; whether this
   * call removed it (false: gone already, another node's sweep, or not expired).
   */
  deleteFinishedBefore(recordingId: string, before: number): Promise<boolean>;
}
