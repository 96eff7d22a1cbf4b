/** Why the recording store refused an operation. */
export type RecordingErrorReason =
  /** Unknown recording (or the caller's meeting is not its meeting: the two look the same). */
  | 'not-found'
  /** This chunk index already holds other bytes: a chunk is written once. */
  | 'conflict'
  /** The recording was finished: nothing new is added to it. */
  | 'finished';

/** A refused recording operation; the routes map each reason to one HTTP answer. */
export class RecordingError extends Error {
  readonly reason: RecordingErrorReason;

  constructor(reason: RecordingErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordingError';
    this.reason = reason;
  }

  static notFound(): RecordingError {
    return new RecordingError('not-found', 'recording not found');
  }

  static conflict(index: number): RecordingError {
    return new RecordingError('conflict', `chunk ${index} was already stored with other bytes`);
  }

  static finished(): RecordingError {
    return new RecordingError('finished', 'the recording is finished');
  }
}
