import type { CommitteeState, VoteResult } from '@confidentiel/protocol';

/** What changed in a committee state that everyone should hear about. */
export type CommitteeChange =
  | { type: 'itemOpened'; title: string }
  | { type: 'itemClosed'; title: string }
  | { type: 'voteOpened'; motion: string }
  | { type: 'voteClosed'; motion: string; outcome: VoteResult['outcome'] }
  | { type: 'recordingStarted' }
  | { type: 'recordingStopped' };

const titleOf = (state: CommitteeState, itemId: string): string =>
  state.agenda.find((item) => item.itemId === itemId)?.title ?? '';

/** The changes from `prev` to `next` worth announcing, in reading order (none for the first state). */
export function committeeChanges(prev: CommitteeState | null, next: CommitteeState): CommitteeChange[] {
  if (prev === null) {
    return [];
  }
  const changes: CommitteeChange[] = [];
  if (prev.currentItemId !== null && prev.currentItemId !== next.currentItemId) {
    changes.push({ type: 'itemClosed', title: titleOf(next, prev.currentItemId) });
  }
  if (next.currentItemId !== null && prev.currentItemId !== next.currentItemId) {
    changes.push({ type: 'itemOpened', title: titleOf(next, next.currentItemId) });
  }
  const known = new Set(prev.results.map((result) => result.voteId));
  for (const result of next.results) {
    if (!known.has(result.voteId)) {
      changes.push({ type: 'voteClosed', motion: result.motion, outcome: result.outcome });
    }
  }
  if (next.vote !== null && next.vote.voteId !== prev.vote?.voteId) {
    changes.push({ type: 'voteOpened', motion: next.vote.motion });
  }
  if (next.recording.on !== prev.recording.on) {
    changes.push({ type: next.recording.on ? 'recordingStarted' : 'recordingStopped' });
  }
  return changes;
}
