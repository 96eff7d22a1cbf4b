/** Why recording could not start or go on. */
export type RecorderErrorReason =
  /** This browser has no link secret: it cannot seal for the others. */
  | 'no-committee-key'
  /** No MediaRecorder for WebM (VP8/Opus) here. */
  | 'unsupported'
  /** The server or the room refused (not the chair any more, network down…). */
  | 'refused'
  /** The browser could not keep a chunk (IndexedDB full or unavailable). */
  | 'storage'
  /** MediaRecorder stopped on its own. */
  | 'media'
  /** Stopped, but chunks wait in this browser: they are sent at the next visit. */
  | 'upload-incomplete';

export class RecorderError extends Error {
  readonly reason: RecorderErrorReason;

  constructor(reason: RecorderErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecorderError';
    this.reason = reason;
  }

  static from(reason: RecorderErrorReason, error: unknown): RecorderError {
    if (error instanceof RecorderError) {
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new RecorderError(reason, message, { cause: error });
  }
}
