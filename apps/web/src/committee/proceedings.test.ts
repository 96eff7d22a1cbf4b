import { describe, expect, it } from 'vitest';
import { buildProceedings, type ProceedingsInput } from './proceedings.ts';
import { CHAIR, committeeState, MEMBER, MIN, OBSERVER, result, SECRETARY, T0 } from './testFixtures.ts';

function input(patch: Partial<ProceedingsInput> = {}): ProceedingsInput {
  return {
    meetingId: 'MeetingMeetingMeeting1',
    state: committeeState(),
    minutes: new Map(),
    names: new Map(),
    generatedAt: T0 + 40 * MIN,
    ...patch,
  };
}

describe('the procès-verbal data', () => {
  it('lists each member once, in order of first arrival, with every presence span and role held', () => {
    const state = committeeState({
      attendance: [
        {
          memberId: MEMBER,
          displayName: 'Marc',
          role: 'participant',
          joinedAt: T0 + 2 * MIN,
          leftAt: T0 + 5 * MIN,
        },
        { memberId: CHAIR, displayName: 'Claire', role: 'host', joinedAt: T0, leftAt: null },
        {
          memberId: MEMBER,
          displayName: 'Marc Membre',
          role: 'co-host',
          joinedAt: T0 + 8 * MIN,
          leftAt: null,
        },
      ],
    });
    const doc = buildProceedings(input({ state }));
    expect(doc.startedAt).toBe(T0);
    expect(doc.attendance).toEqual([
      {
        memberId: CHAIR,
        displayName: 'Claire',
        roles: ['host'],
        spans: [{ role: 'host', joinedAt: T0, leftAt: null }],
      },
      {
        memberId: MEMBER,
        displayName: 'Marc Membre',
        roles: ['participant', 'co-host'],
        spans: [
          { role: 'participant', joinedAt: T0 + 2 * MIN, leftAt: T0 + 5 * MIN },
          { role: 'co-host', joinedAt: T0 + 8 * MIN, leftAt: null },
        ],
      },
    ]);
  });

  it('gives each item its time open and speaking times, longest first, the running turn included', () => {
    const state = committeeState({ floor: { speaker: CHAIR, since: T0 + 38 * MIN, queue: [], history: [] } });
    const doc = buildProceedings(input({ state }));
    const budget = doc.items[1]!;
    expect(budget.position).toBe(2);
    expect(budget.elapsedMs).toBe(2 * MIN + 30 * MIN);
    expect(budget.speaking).toEqual([
      { memberId: CHAIR, displayName: 'Claire Président', ms: 30_000 + 2 * MIN },
      { memberId: MEMBER, displayName: 'Marc Membre', ms: 90_000 },
    ]);
    expect(doc.items[0]!.elapsedMs).toBe(5 * MIN);
    expect(doc.items[2]!.speaking).toEqual([]);
  });

  it('takes the title and scheduled start from the room info, never the id as a name', () => {
    const titled = buildProceedings(
      input({ meeting: { title: '  Commission des lois ', startsAt: T0 - MIN } }),
    );
    expect(titled).toMatchObject({
      title: 'Commission des lois',
      scheduledAt: T0 - MIN,
      startedAt: T0,
      endedAt: null,
    });
    const untitled = buildProceedings(input({ meeting: { title: '   ', startsAt: null } }));
    expect(untitled.title).toBeNull();
    expect(buildProceedings(input()).title).toBeNull();
  });

  it('files each floor turn under its item, in order, a running one up to the document time', () => {
    const state = committeeState({
      floor: {
        speaker: MEMBER,
        since: T0 + 35 * MIN,
        queue: [],
        history: [
          {
            memberId: MEMBER,
            displayName: 'Marc',
            itemId: 'itemBudget000001',
            from: T0 + 35 * MIN,
            to: null,
          },
          {
            memberId: CHAIR,
            displayName: 'Claire',
            itemId: 'itemGone00000001',
            from: T0 + 9 * MIN,
            to: T0 + 10 * MIN,
          },
          {
            memberId: CHAIR,
            displayName: 'Claire',
            itemId: 'itemBudget000001',
            from: T0 + 11 * MIN,
            to: T0 + 12 * MIN,
          },
        ],
      },
    });
    const doc = buildProceedings(input({ state }));
    expect(doc.items[1]!.turns).toEqual([
      { memberId: CHAIR, displayName: 'Claire', from: T0 + 11 * MIN, to: T0 + 12 * MIN, ms: MIN },
      { memberId: MEMBER, displayName: 'Marc', from: T0 + 35 * MIN, to: null, ms: 5 * MIN },
    ]);
    expect(doc.items[0]!.turns).toEqual([]);
    expect(doc.otherTurns.map((t) => t.from)).toEqual([T0 + 9 * MIN]);
    expect(doc.items[1]!.openSince).toBe(T0 + 10 * MIN);
    expect(doc.items[0]!.openSince).toBeNull();
  });

  it('ends the session at the last departure only once everyone has left', () => {
    const state = committeeState();
    state.attendance.forEach((entry, i) => (entry.leftAt = T0 + (50 + i) * MIN));
    expect(buildProceedings(input({ state })).endedAt).toBe(T0 + 53 * MIN);
    state.attendance[1]!.leftAt = null;
    expect(buildProceedings(input({ state })).endedAt).toBeNull();
  });

  it('names a speaker the attendance forgot from the names given, or by id', () => {
    const state = committeeState();
    const budget = state.agenda[1]!;
    budget.speakingMs = { lostMemberLost01: 1_000, unknownMember0001: 2_000 };
    const doc = buildProceedings(input({ state, names: new Map([['lostMemberLost01', 'Léa']]) }));
    expect(doc.items[1]!.speaking.map((s) => s.displayName)).toEqual(['unknownMember0001', 'Léa']);
  });

  it('puts the minutes text when this browser opened the latest revision, says sealed otherwise', () => {
    const state = committeeState({
      minutes: {
        itemOpening00001: { revision: 2, sha256: 'aa' },
        itemBudget000001: { revision: 3, sha256: 'bb' },
      },
    });
    const minutes = new Map([
      ['itemOpening00001', { revision: 2, text: 'Séance ouverte à 9 h.' }],
      // An older revision than the server's latest: not the minutes of record.
      ['itemBudget000001', { revision: 2, text: 'ancien texte' }],
    ]);
    const doc = buildProceedings(input({ state, minutes }));
    expect(doc.items.map((i) => i.minutes)).toEqual([
      { state: 'text', revision: 2, text: 'Séance ouverte à 9 h.' },
      { state: 'sealed', revision: 3 },
      { state: 'none' },
    ]);
  });

  it('never carries the choices of a secret ballot, even if the server sent them', () => {
    const state = committeeState({ results: [result({ secret: true })] });
    const vote = buildProceedings(input({ state })).items[1]!.votes[0]!;
    expect(vote.secret).toBe(true);
    expect(vote.ballots).toBeNull();
    expect(vote.tally).toEqual([
      { option: 'pour', count: 2 },
      { option: 'contre', count: 1 },
      { option: 'abstention', count: 0 },
    ]);
  });

  it('keeps who voted what for an open ballot', () => {
    const vote = buildProceedings(input({ state: committeeState({ results: [result()] }) })).items[1]!
      .votes[0]!;
    expect(vote.ballots).toEqual([
      { displayName: 'Claire Président', choice: 'pour' },
      { displayName: 'Marc Membre', choice: 'contre' },
      { displayName: 'Sophie Secrétaire', choice: 'pour' },
    ]);
    expect(vote.outcome).toBe('adopted');
  });

  it('files votes on no item apart, and shows a vote still open without a result', () => {
    const state = committeeState({
      results: [result({ voteId: 'voteOutside00001', itemId: null, openedAt: T0 + 30 * MIN })],
      vote: {
        voteId: 'voteRunning00001',
        motion: 'Clore la séance',
        options: ['pour', 'contre'],
        secret: true,
        itemId: 'itemBudget000001',
        openedAt: T0 + 39 * MIN,
        eligible: 3,
        quorum: 2,
        voted: [SECRETARY, OBSERVER],
      },
    });
    const doc = buildProceedings(input({ state }));
    expect(doc.otherVotes.map((v) => v.voteId)).toEqual(['voteOutside00001']);
    const running = doc.items[1]!.votes[0]!;
    expect(running).toMatchObject({
      voteId: 'voteRunning00001',
      closedAt: null,
      cast: 2,
      outcome: null,
      tally: [],
    });
    expect(running.ballots).toBeNull();
  });
});
