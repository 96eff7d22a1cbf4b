import type { CommitteeRoomState } from './CommitteeRoomState.ts';
import { MINUTE_MS } from './CommitteeRoomState.ts';
import { COMMITTEE_SNAPSHOT_VERSION, type CommitteeSnapshot } from './CommitteeSnapshot.ts';
import type { SessionJournal } from './SessionJournal.ts';

/** What a snapshot carries besides the room's state. */
export interface SnapshotContext {
  meetingId: string;
  title: string;
  /** When it is taken (the room's clock). */
  now: number;
  /** The running session's journal, or null between sessions. */
  journal: SessionJournal | null;
}

/**
 * A committee room's state as a `CommitteeSnapshot` (plain JSON, copies throughout), the open
 * vote's ballots included: see CommitteeSnapshot on secret ballots. The journal head it names is
 * the last entry fsynced by now.
 */
export function snapshotOf(state: CommitteeRoomState, context: SnapshotContext): CommitteeSnapshot {
  const { now, journal } = context;
  const vote = state.vote;
  const head = journal?.head;
  return {
    version: COMMITTEE_SNAPSHOT_VERSION,
    meetingId: context.meetingId,
    title: context.title,
    takenAt: now,
    items: state.items.map(({ speakingMs, ...item }) => ({
      itemId: item.itemId,
      title: item.title,
      presenter: item.presenter,
      plannedMinutes: item.plannedMinutes,
      notes: item.notes,
      status: item.status,
      elapsedMs: item.elapsedMs,
      speakingMs: [...speakingMs].map(([memberId, ms]) => ({ memberId, ms })),
    })),
    currentItemId: state.current?.itemId ?? null,
    currentSince: state.currentSince,
    floor: {
      speaker: state.speaker,
      since: state.speakerSince,
      speakingFrom: state.speakingFrom,
      queue: [...state.queue],
      history: state.history.map((turn) => ({ ...turn })),
    },
    freeDiscussion: state.freeDiscussion,
    vote:
      vote === null
        ? null
        : {
            voteId: vote.voteId,
            motion: vote.motion,
            options: [...vote.options],
            secret: vote.secret,
            itemId: vote.itemId,
            openedAt: vote.openedAt,
            eligible: vote.eligible,
            quorum: vote.quorum,
            ballots: [...vote.ballots].map(([memberId, ballot]) => ({ memberId, ...ballot })),
          },
    results: state.results.map((result) => structuredClone(result)),
    recording: state.recording && { ...state.recording },
    minutes: [...state.minutes].map(([itemId, m]) => ({ itemId, ...m })),
    attendance: state.attendance.map((span) => ({ ...span })),
    present: [...state.present.values()].map((span) => ({ ...span })),
    // A budget whose minute is over counts as none: only the running ones are kept.
    refusals: [...state.refusals]
      .filter(([, budget]) => now - budget.since < MINUTE_MS)
      .map(([memberId, budget]) => ({ memberId, ...budget })),
    ended: state.ended,
    journal:
      journal === null
        ? null
        : {
            sessionId: journal.sessionId,
            head: head === undefined ? null : { seq: head.seq, hash: head.hash },
          },
  };
}

/** The state a snapshot (already parsed, see `parseCommitteeSnapshot`) holds, as the room had it. */
export function stateFromSnapshot(snapshot: CommitteeSnapshot): CommitteeRoomState {
  const items = snapshot.items.map(({ speakingMs, ...item }) => ({
    ...item,
    speakingMs: new Map(speakingMs.map(({ memberId, ms }) => [memberId, ms])),
  }));
  const state: CommitteeRoomState = {
    items,
    current: items.find((item) => item.itemId === snapshot.currentItemId) ?? null,
    currentSince: snapshot.currentSince,
    speaker: snapshot.floor.speaker,
    speakerSince: snapshot.floor.since,
    speakingFrom: snapshot.floor.speakingFrom,
    queue: [...snapshot.floor.queue],
    history: snapshot.floor.history.map((turn) => ({ ...turn })),
    freeDiscussion: snapshot.freeDiscussion,
    vote: null,
    closedVotes: new Set(),
    results: [],
    recording: snapshot.recording,
    minutes: new Map(),
    attendance: [],
    present: new Map(),
    refusals: new Map(),
    ended: snapshot.ended,
  };
  if (snapshot.vote !== null) {
    const { ballots, ...vote } = snapshot.vote;
    state.vote = {
      ...vote,
      ballots: new Map(
        ballots.map(({ memberId, displayName, choice }) => [memberId, { displayName, choice }]),
      ),
    };
  }
  for (const result of snapshot.results) {
    state.results.push(result);
    state.closedVotes.add(result.voteId);
  }
  for (const { itemId, revision, sha256 } of snapshot.minutes) {
    state.minutes.set(itemId, { revision, sha256 });
  }
  state.attendance.push(...snapshot.attendance);
  // A present member's span is the open one in the attendance (the same object, as it closes).
  const open = new Map(state.attendance.filter((s) => s.leftAt === null).map((s) => [s.memberId, s]));
  for (const span of snapshot.present) {
    const listed = open.get(span.memberId);
    state.present.set(span.memberId, listed?.joinedAt === span.joinedAt ? listed : span);
  }
  for (const { memberId, since, count } of snapshot.refusals) {
    state.refusals.set(memberId, { since, count });
  }
  return state;
}
