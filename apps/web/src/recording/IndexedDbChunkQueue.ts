import type { ChunkQueue, QueuedChunk, RecordingSession } from './ChunkQueue.ts';

/** The browser database of queued recording chunks (ciphertext only). */
export const RECORDING_DB_NAME = 'confidentiel-recordings';
const DB_VERSION = 1;
const CHUNKS = 'chunks';
const SESSIONS = 'sessions';
const BY_MEETING = 'byMeeting';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when the transaction is committed (a write is durable only then). */
function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function chunksOf(recordingId: string): IDBKeyRange {
  return IDBKeyRange.bound([recordingId, 0], [recordingId, Number.MAX_SAFE_INTEGER]);
}

/** Opens (and creates on first use) the queue's database. */
export async function openIndexedDbChunkQueue(factory: IDBFactory = indexedDB): Promise<IndexedDbChunkQueue> {
  const request = factory.open(RECORDING_DB_NAME, DB_VERSION);
  request.onupgradeneeded = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains(CHUNKS)) {
      db.createObjectStore(CHUNKS, { keyPath: ['recordingId', 'index'] });
    }
    if (!db.objectStoreNames.contains(SESSIONS)) {
      db.createObjectStore(SESSIONS, { keyPath: 'recordingId' }).createIndex(BY_MEETING, 'meetingId');
    }
  };
  return new IndexedDbChunkQueue(await promised(request));
}

/**
 * The chunk queue in IndexedDB (`confidentiel-recordings`): a chunk is
 * written there, committed, before its upload starts, and deleted only after
 * the server acknowledged it, so a reload or a crash mid-session loses
 * nothing that was recorded.
 */
export class IndexedDbChunkQueue implements ChunkQueue {
  readonly #db: IDBDatabase;
  #closed = false;

  constructor(db: IDBDatabase) {
    this.#db = db;
    // Another tab upgrading the database: step aside rather than block it.
    db.onversionchange = () => this.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async put(chunk: QueuedChunk): Promise<void> {
    const tx = this.#transaction(CHUNKS, 'readwrite');
    tx.objectStore(CHUNKS).put({ recordingId: chunk.recordingId, index: chunk.index, sealed: chunk.sealed });
    await committed(tx);
  }

  async pending(recordingId: string): Promise<QueuedChunk[]> {
    const tx = this.#transaction(CHUNKS, 'readonly');
    const rows = (await promised(tx.objectStore(CHUNKS).getAll(chunksOf(recordingId)))) as QueuedChunk[];
    return rows.map((row) => ({
      recordingId: row.recordingId,
      index: row.index,
      sealed: new Uint8Array(row.sealed),
    }));
  }

  count(recordingId: string): Promise<number> {
    const tx = this.#transaction(CHUNKS, 'readonly');
    return promised(tx.objectStore(CHUNKS).count(chunksOf(recordingId)));
  }

  async delete(recordingId: string, index: number): Promise<void> {
    const tx = this.#transaction(CHUNKS, 'readwrite');
    tx.objectStore(CHUNKS).delete([recordingId, index]);
    await committed(tx);
  }

  async putSession(session: RecordingSession): Promise<void> {
    const tx = this.#transaction(SESSIONS, 'readwrite');
    tx.objectStore(SESSIONS).put({ ...session, cues: session.cues.map((c) => ({ ...c })) });
    await committed(tx);
  }

  async sessions(meetingId: string): Promise<RecordingSession[]> {
    const tx = this.#transaction(SESSIONS, 'readonly');
    return (await promised(
      tx.objectStore(SESSIONS).index(BY_MEETING).getAll(meetingId),
    )) as RecordingSession[];
  }

  async deleteSession(recordingId: string): Promise<void> {
    const tx = this.#transaction(SESSIONS, 'readwrite');
    tx.objectStore(SESSIONS).delete(recordingId);
    await committed(tx);
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#db.close();
  }

  #transaction(store: string, mode: IDBTransactionMode): IDBTransaction {
    if (this.#closed) {
      throw new Error('the recording queue is closed');
    }
    return this.#db.transaction(store, mode);
  }
}
