/**
 * What the E2EE indicator says. It never says "encrypted" (`on`) unless a
 * send transform is running with a key; a problem outranks everything.
 * Someone who sends nothing (no camera or microphone, or both off) is
 * `receiving`: what reaches them is end-to-end encrypted, and that is what
 * the indicator says, rather than "nothing is encrypted".
 */
export type E2eeState = 'on' | 'receiving' | 'syncing' | 'waiting' | 'problem';

export type E2eeStatusReason =
  /** on: every send transform has its key, every member's key is here. */
  | 'in-sync'
  /** syncing: a new sender key waits for the others' acknowledgements (someone joined or left). */
  | 'rotating'
  /** waiting: the session is not started yet (before the join answer). */
  | 'starting'
  /** receiving: nothing is sent (no microphone, no camera, or both off); every member's key is here. */
  | 'receive-only'
  /** waiting: a send transform runs without a key; it drops every frame. */
  | 'no-sender-key'
  /** waiting: some members' keys have not arrived. */
  | 'missing-keys'
  /** problem: the worker or the key distribution failed. */
  | 'failure'
  /** problem: a member's identity or envelope failed verification. */
  | 'rejected'
  /** problem: received frames failed authentication since the last look. */
  | 'auth-failures';

export interface E2eeStatus {
  readonly state: E2eeState;
  readonly reason: E2eeStatusReason;
  /** For `missing-keys`: how many members. */
  readonly count?: number;
}

export interface E2eeStatusInput {
  readonly failure: boolean;
  readonly started: boolean;
  /** Members whose identity or envelope was rejected and who are still in the room. */
  readonly rejectedMembers: number;
  /** Live (not ended) send transforms. */
  readonly sendTransforms: ReadonlyArray<{ readonly active: boolean; readonly hasKey: boolean }>;
  readonly remoteMemberIds: readonly string[];
  /** Members whose receive key is installed in the worker. */
  readonly membersWithKeys: ReadonlySet<string>;
  readonly pendingAcks: number;
  /** Frames dropped as `bad-tag` since the previous status. */
  readonly badTagDelta: number;
}

export function deriveE2eeStatus(input: E2eeStatusInput): E2eeStatus {
  if (input.failure) {
    return { state: 'problem', reason: 'failure' };
  }
  if (input.rejectedMembers > 0) {
    return { state: 'problem', reason: 'rejected', count: input.rejectedMembers };
  }
  if (input.badTagDelta > 0) {
    return { state: 'problem', reason: 'auth-failures', count: input.badTagDelta };
  }
  if (!input.started) {
    return { state: 'waiting', reason: 'starting' };
  }
  const sending = input.sendTransforms.filter((t) => t.active);
  if (sending.some((t) => !t.hasKey)) {
    return { state: 'waiting', reason: 'no-sender-key' };
  }
  const missing = input.remoteMemberIds.filter((id) => !input.membersWithKeys.has(id)).length;
  if (missing > 0) {
    return { state: 'waiting', reason: 'missing-keys', count: missing };
  }
  if (sending.length === 0) {
    // Our own key's acknowledgements do not matter to someone who sends nothing.
    return { state: 'receiving', reason: 'receive-only' };
  }
  if (input.pendingAcks > 0) {
    return { state: 'syncing', reason: 'rotating' };
  }
  return { state: 'on', reason: 'in-sync' };
}

/**
 * The status as the person sees it. Someone whose microphone, camera and screen
 * are all off may still have send transforms running (a muted microphone keeps
 * its sender), yet sends nothing anyone hears or sees: once every member's key
 * is here, they are told what they receive is end-to-end encrypted.
 */
export function withLocalMedia(status: E2eeStatus, sending: boolean): E2eeStatus {
  if (!sending && (status.state === 'on' || status.state === 'syncing')) {
    return { state: 'receiving', reason: 'receive-only' };
  }
  return status;
}
