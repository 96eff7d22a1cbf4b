/**
 * A write to a meeting's shared state by a node that no longer owns the
 * meeting: its fence is not the one in Redis (another node took the meeting
 * over), or it holds no lease at all. Nothing was written. The node must
 * drop the meeting, not retry: the new owner has it.
 */
export class StaleOwnerError extends Error {
  readonly reason = 'stale-owner' as const;
  readonly roomId: string;
  /**
   * `fence-missing`: Redis holds no fence at all for the meeting: it restarted
   * empty and this node's lease is not re-established yet. Unlike the other
   * two, the node may still be the owner (see OwnerRoomState).
   */
  readonly detail: 'no-lease' | 'fence-moved' | 'fence-missing';

  constructor(
    roomId: string,
    message: string,
    options?: { cause?: unknown; detail?: StaleOwnerError['detail'] },
  ) {
    super(message, options);
    this.name = 'StaleOwnerError';
    this.roomId = roomId;
    this.detail = options?.detail ?? 'fence-moved';
  }

  /** This node holds no lease on the meeting. */
  static noLease(roomId: string): StaleOwnerError {
    return new StaleOwnerError(roomId, 'this node does not own the meeting: nothing written', {
      detail: 'no-lease',
    });
  }

  /** Redis holds another fence: the meeting moved on to another owner. */
  static fenceMoved(roomId: string, cause?: unknown): StaleOwnerError {
    return new StaleOwnerError(roomId, 'the meeting has a newer owner: nothing written', {
      cause,
      detail: 'fence-moved',
    });
  }

  /** Redis holds no fence for the meeting (it restarted empty): nothing written. */
  static fenceMissing(roomId: string, cause?: unknown): StaleOwnerError {
    return new StaleOwnerError(roomId, 'Redis has forgotten the meeting: nothing written', {
      cause,
      detail: 'fence-missing',
    });
  }
}
