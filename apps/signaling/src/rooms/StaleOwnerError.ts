/**
 * A write to a meeting's shared state by a node that no longer owns the
 * meeting: its fence is not the one in Redis (another node took the meeting
 * over), or it holds no lease at all. Nothing was written. The node must
 * drop the meeting, not retry: the new owner has it.
 */
export class StaleOwnerError extends Error {
  readonly reason = 'stale-owner' as const;
  readonly roomId: string;

  constructor(roomId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StaleOwnerError';
    this.roomId = roomId;
  }

  /** This node holds no lease on the meeting. */
  static noLease(roomId: string): StaleOwnerError {
    return new StaleOwnerError(roomId, 'this node does not own the meeting: nothing written');
  }

  /** Redis holds another fence: the meeting moved on to another owner. */
  static fenceMoved(roomId: string, cause?: unknown): StaleOwnerError {
    return new StaleOwnerError(roomId, 'the meeting has a newer owner: nothing written', { cause });
  }
}
