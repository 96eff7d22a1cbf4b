import {
  committeeStateSchema,
  type AgendaItem,
  type CommitteeState,
  type FloorTurn,
  type MemberInfo,
  type VoteResult,
} from '@confidentiel/protocol';
import type { z } from 'zod';

/*
 * Committee states for the tests, checked against the protocol's schema so a
 * fixture cannot drift from what the server may send.
 */

export const T0 = Date.UTC(2026, 2, 14, 9, 0, 0);
export const MIN = 60_000;

export const CHAIR = 'chairChairChair1';
export const SECRETARY = 'secretarySecret1';
export const MEMBER = 'memberMemberMem1';
export const OBSERVER = 'observerObserve1';

export function item(itemId: string, title: string, patch: Partial<AgendaItem> = {}): AgendaItem {
  return {
    itemId,
    title,
    presenter: null,
    plannedMinutes: 0,
    notes: '',
    status: 'pending',
    elapsedMs: 0,
    speakingMs: {},
    ...patch,
  };
}

export function result(patch: Partial<VoteResult> = {}): VoteResult {
  return {
    voteId: 'voteVoteVote0001',
    motion: 'Approuver le budget',
    options: ['pour', 'contre', 'abstention'],
    secret: false,
    itemId: 'itemBudget000001',
    openedAt: T0 + 20 * MIN,
    closedAt: T0 + 25 * MIN,
    eligible: 3,
    quorum: 2,
    cast: 3,
    quorumReached: true,
    tally: { pour: 2, contre: 1, abstention: 0 },
    ballots: [
      { memberId: CHAIR, displayName: 'Claire Président', choice: 'pour' },
      { memberId: MEMBER, displayName: 'Marc Membre', choice: 'contre' },
      { memberId: SECRETARY, displayName: 'Sophie Secrétaire', choice: 'pour' },
    ],
    outcome: 'adopted',
    ...patch,
  };
}

/** The meeting as the room info names it. */
export const MEETING = { title: 'Commission des finances', startsAt: T0 } as const;

/** Floors given: two on the budget, one on no item, one still running on the budget. */
export function floorHistory(): FloorTurn[] {
  return [
    {
      memberId: MEMBER,
      displayName: 'Marc Membre',
      itemId: 'itemBudget000001',
      from: T0 + 12 * MIN,
      to: T0 + 13 * MIN + 30_000,
    },
    {
      memberId: SECRETARY,
      displayName: 'Sophie Secrétaire',
      itemId: null,
      from: T0 + 6 * MIN,
      to: T0 + 7 * MIN,
    },
    {
      memberId: CHAIR,
      displayName: 'Claire Président',
      itemId: 'itemBudget000001',
      from: T0 + 14 * MIN,
      to: T0 + 14 * MIN + 30_000,
    },
  ];
}

/** What a test may patch: the schema's input (defaults such as `floor.history` may be left out). */
export type CommitteeStatePatch = Partial<z.input<typeof committeeStateSchema>>;

export function committeeState(patch: CommitteeStatePatch = {}): CommitteeState {
  return committeeStateSchema.parse({
    agenda: [
      item('itemOpening00001', 'Ouverture de la séance', { status: 'closed', elapsedMs: 5 * MIN }),
      item('itemBudget000001', 'Budget 2026', {
        status: 'open',
        elapsedMs: 2 * MIN,
        plannedMinutes: 30,
        presenter: 'Mme Trésorière',
        speakingMs: { [MEMBER]: 90_000, [CHAIR]: 30_000 },
      }),
      item('itemMisc00000001', 'Questions diverses'),
    ],
    currentItemId: 'itemBudget000001',
    currentSince: T0 + 10 * MIN,
    floor: { speaker: null, since: null, queue: [] },
    vote: null,
    results: [],
    recording: { on: false, since: null, recordingId: null },
    minutes: {},
    attendance: [
      { memberId: CHAIR, displayName: 'Claire Président', role: 'host', joinedAt: T0, leftAt: null },
      {
        memberId: SECRETARY,
        displayName: 'Sophie Secrétaire',
        role: 'co-host',
        joinedAt: T0 + MIN,
        leftAt: null,
      },
      {
        memberId: MEMBER,
        displayName: 'Marc Membre',
        role: 'participant',
        joinedAt: T0 + 2 * MIN,
        leftAt: null,
      },
      {
        memberId: OBSERVER,
        displayName: 'Olga Observatrice',
        role: 'observer',
        joinedAt: T0 + 3 * MIN,
        leftAt: null,
      },
    ],
    ...patch,
  });
}

export function member(memberId: string, displayName: string, role: MemberInfo['role']): MemberInfo {
  const key = 'A'.repeat(88);
  return { memberId, displayName, role, joinedAt: T0, senderIndex: 1, identity: { ecdh: key, sign: key } };
}
