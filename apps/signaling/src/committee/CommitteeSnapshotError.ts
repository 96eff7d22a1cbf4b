export const committeeSnapshotErrorReasons = [
  /** Stored data that is not a committee snapshot (not JSON, fails the schema, another version). */
  'invalid',
  /** The snapshot does not fit what it is restored with (another session's journal, a journal shorter than it saw). */
  'mismatch',
  /** A snapshot was asked of a closed room: it has no state to hand over. */
  'closed',
] as const;
export type CommitteeSnapshotErrorReason = (typeof committeeSnapshotErrorReasons)[number];

/**
 * Taking, reading or restoring a committee snapshot failed. A stale owner's write is refused with
 * `StaleOwnerError` ('stale-owner'), as for every other piece of a meeting's shared state.
 */
export class CommitteeSnapshotError extends Error {
  readonly reason: CommitteeSnapshotErrorReason;

  constructor(reason: CommitteeSnapshotErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommitteeSnapshotError';
    this.reason = reason;
  }

  static invalid(message: string, cause?: unknown): CommitteeSnapshotError {
    return new CommitteeSnapshotError('invalid', `not a committee snapshot: ${message}`, { cause });
  }

  static mismatch(message: string): CommitteeSnapshotError {
    return new CommitteeSnapshotError('mismatch', message);
  }

  static closed(meetingId: string): CommitteeSnapshotError {
    return new CommitteeSnapshotError('closed', `the committee room ${meetingId.slice(0, 6)} is closed`);
  }
}
