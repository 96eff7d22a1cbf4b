import {
  DEFAULT_VOTE_OPTIONS,
  ProtocolError,
  type MemberInfo,
  type OpenVote,
  type VoteResult,
} from '@confidentiel/protocol';
import {
  conflict,
  forbidden,
  notFound,
  requireChair,
  who,
  type CommitteeActor,
  type JournalData,
  type Plan,
  type Req,
  type Res,
} from './committeePlan.ts';
import { mayVote } from './committeeRoles.ts';
import type { CommitteeRoomState, VoteState } from './CommitteeRoomState.ts';

// Votes: one open at a time, open or secret ballots, quorum, and the results kept.

/** Most vote results one committee keeps (the protocol's bound). */
export const MAX_VOTE_RESULTS = 200;

/** `members`: the room's admitted members now (the eligible are counted at opening). */
export async function planOpenVote(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  request: Req<'openVote'>,
  now: number,
  members: () => Promise<MemberInfo[]>,
  random: (n: number) => Buffer,
): Promise<Plan<Res<'openVote'>>> {
  requireChair(actor, 'open a vote');
  if (state.vote !== null) {
    throw conflict('a vote is already open');
  }
  if (state.results.length >= MAX_VOTE_RESULTS) {
    throw conflict(`at most ${MAX_VOTE_RESULTS} votes in one committee session`);
  }
  const options = request.options ?? [...DEFAULT_VOTE_OPTIONS];
  if (new Set(options.map((o) => o.toLowerCase())).size !== options.length) {
    throw ProtocolError.invalidPayload('the options must differ');
  }
  const eligible = (await members()).filter((m) => mayVote(m.role)).length;
  const vote: VoteState = {
    voteId: random(12).toString('base64url'),
    motion: request.motion,
    options,
    secret: request.secret,
    itemId: state.current?.itemId ?? null,
    openedAt: now,
    eligible,
    quorum: request.quorum ?? Math.floor(eligible / 2) + 1,
    ballots: new Map(),
  };
  const { ballots: _ballots, ...announced } = vote;
  return {
    entries: [['vote-opened', { ...announced, by: actor.memberId }]],
    apply: () => {
      state.vote = vote;
      return { voteId: vote.voteId };
    },
  };
}

export function planCastVote(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { voteId, choice }: Req<'castVote'>,
): Plan<Res<'castVote'>> {
  if (!mayVote(actor.role)) {
    throw forbidden('observers do not vote');
  }
  const vote = openVote(state, voteId);
  if (vote.ballots.has(actor.memberId)) {
    throw conflict('you have already voted');
  }
  if (!vote.options.includes(choice)) {
    throw ProtocolError.invalidPayload(`choose one of: ${vote.options.join(', ')}`);
  }
  // A secret ballot's journal entry says who voted, never what.
  const data: JournalData = { voteId, ...who(actor) };
  if (!vote.secret) {
    data.choice = choice;
  }
  return {
    entries: [['vote-cast', data]],
    apply: () => {
      vote.ballots.set(actor.memberId, { displayName: actor.displayName, choice });
      return {};
    },
  };
}

export function planCloseVote(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { voteId }: Req<'closeVote'>,
  now: number,
): Plan<Res<'closeVote'>> {
  requireChair(actor, 'close a vote');
  const vote = openVote(state, voteId);
  const result = tally(vote, now);
  return {
    entries: [['vote-closed', { ...result, by: actor.memberId }]],
    apply: () => {
      state.results.push(result);
      state.closedVotes.add(vote.voteId);
      state.vote = null;
      return result;
    },
  };
}

/** The open vote as members see it: who voted, not what. */
export function openVoteOf(vote: VoteState): OpenVote {
  return {
    voteId: vote.voteId,
    motion: vote.motion,
    options: [...vote.options],
    secret: vote.secret,
    itemId: vote.itemId,
    openedAt: vote.openedAt,
    eligible: vote.eligible,
    quorum: vote.quorum,
    voted: [...vote.ballots.keys()],
  };
}

function openVote(state: CommitteeRoomState, voteId: string): VoteState {
  if (state.vote?.voteId === voteId) {
    return state.vote;
  }
  if (state.closedVotes.has(voteId)) {
    throw conflict('this vote is closed');
  }
  throw notFound('no such vote');
}

/** The result of a vote closing at `closedAt`. */
function tally(vote: VoteState, closedAt: number): VoteResult {
  const counts: Record<string, number> = Object.fromEntries(vote.options.map((option) => [option, 0]));
  for (const { choice } of vote.ballots.values()) {
    counts[choice] = (counts[choice] ?? 0) + 1;
  }
  const cast = vote.ballots.size;
  const quorumReached = cast >= vote.quorum;
  const inFavour = counts[vote.options[0]!] ?? 0;
  const against = counts[vote.options[1]!] ?? 0;
  let outcome: VoteResult['outcome'] = 'no-quorum';
  if (quorumReached) {
    outcome = inFavour > against ? 'adopted' : 'rejected';
  }
  return {
    voteId: vote.voteId,
    motion: vote.motion,
    options: [...vote.options],
    secret: vote.secret,
    itemId: vote.itemId,
    openedAt: vote.openedAt,
    closedAt,
    eligible: vote.eligible,
    quorum: vote.quorum,
    cast,
    quorumReached,
    tally: counts,
    ballots: vote.secret
      ? null
      : [...vote.ballots].map(([memberId, { displayName, choice }]) => ({ memberId, displayName, choice })),
    outcome,
  };
}
