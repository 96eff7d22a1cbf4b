import { uploadOrder } from './chunkOrder.ts';
import type { ChapterCue } from './webvtt.ts';

/** A sealed chunk waiting for the server's acknowledgement. */
export interface QueuedChunk {
  recordingId: string;
  index: number;
  sealed: Uint8Array;
}

/**
 * What is needed to finish a recording after a page reload: its meeting,
 * its start and its chapters so far. Deleted once the recording is finished
 * on the server.
 */
export interface RecordingSession {
  recordingId: string;
  /** The server's write token for this recording: without it nothing more can be added. */
  writeToken: string;
  meetingId: string;
  startedAt: number;
  cues: ChapterCue[];
}

/**
 * Where sealed chunks wait until the server has them (IndexedDB in the
 * browser: a reload mid-session loses nothing). Only ciphertext is kept.
 */
export interface ChunkQueue {
  put(chunk: QueuedChunk): Promise<void>;
  /** The recording's queued chunks, by index. */
  pending(recordingId: string): Promise<QueuedChunk[]>;
  /** How many chunks of the recording are queued. */
  count(recordingId: string): Promise<number>;
  /** Called only once the server acknowledged the chunk. */
  delete(recordingId: string, index: number): Promise<void>;
  putSession(session: RecordingSession): Promise<void>;
  /** The meeting's unfinished recordings kept in this browser. */
  sessions(meetingId: string): Promise<RecordingSession[]>;
  deleteSession(recordingId: string): Promise<void>;
  close(): void;
}

const keyOf = (recordingId: string, index: number): string => `${recordingId}:${index}`;

/** The queue in memory (unit tests, and browsers without IndexedDB: nothing survives a reload). */
export class MemoryChunkQueue implements ChunkQueue {
  readonly #chunks = new Map<string, QueuedChunk>();
  readonly #sessions = new Map<string, RecordingSession>();

  put(chunk: QueuedChunk): Promise<void> {
    this.#chunks.set(keyOf(chunk.recordingId, chunk.index), { ...chunk, sealed: chunk.sealed.slice() });
    return Promise.resolve();
  }

  pending(recordingId: string): Promise<QueuedChunk[]> {
    return Promise.resolve(
      uploadOrder([...this.#chunks.values()].filter((c) => c.recordingId === recordingId)),
    );
  }

  async count(recordingId: string): Promise<number> {
    return (await this.pending(recordingId)).length;
  }

  delete(recordingId: string, index: number): Promise<void> {
    this.#chunks.delete(keyOf(recordingId, index));
    return Promise.resolve();
  }

  putSession(session: RecordingSession): Promise<void> {
    this.#sessions.set(session.recordingId, { ...session, cues: [...session.cues] });
    return Promise.resolve();
  }

  sessions(meetingId: string): Promise<RecordingSession[]> {
    return Promise.resolve([...this.#sessions.values()].filter((s) => s.meetingId === meetingId));
  }

  deleteSession(recordingId: string): Promise<void> {
    this.#sessions.delete(recordingId);
    return Promise.resolve();
  }

  close(): void {}
}
