import { describe, expect, it } from 'vitest';
import { committeeChanges } from './announcements.ts';
import { committeeState, MIN, result, T0 } from './testFixtures.ts';

describe('committee announcements', () => {
  it('says nothing about the first state', () => {
    expect(committeeChanges(null, committeeState())).toEqual([]);
  });

  it('says which item closed and which opened', () => {
    const before = committeeState();
    const after = committeeState({ currentItemId: 'itemMisc00000001', currentSince: T0 + 40 * MIN });
    expect(committeeChanges(before, after)).toEqual([
      { type: 'itemClosed', title: 'Budget 2026' },
      { type: 'itemOpened', title: 'Questions diverses' },
    ]);
  });

  it('announces a vote opening, then its outcome', () => {
    const none = committeeState();
    const open = committeeState({
      vote: {
        voteId: 'voteVoteVote0001',
        motion: 'Approuver le budget',
        options: ['pour', 'contre', 'abstention'],
        secret: true,
        itemId: 'itemBudget000001',
        openedAt: T0 + 20 * MIN,
        eligible: 3,
        quorum: 2,
        voted: [],
      },
    });
    const closed = committeeState({ results: [result({ secret: true, ballots: null })] });
    expect(committeeChanges(none, open)).toEqual([{ type: 'voteOpened', motion: 'Approuver le budget' }]);
    expect(committeeChanges(open, closed)).toEqual([
      { type: 'voteClosed', motion: 'Approuver le budget', outcome: 'adopted' },
    ]);
    expect(committeeChanges(closed, closed)).toEqual([]);
  });

  it('announces the recording starting and stopping', () => {
    const off = committeeState();
    const on = committeeState({
      recording: { on: true, since: T0, recordingId: 'RecordingRecordingRec1' },
    });
    expect(committeeChanges(off, on)).toEqual([{ type: 'recordingStarted' }]);
    expect(committeeChanges(on, off)).toEqual([{ type: 'recordingStopped' }]);
  });
});
