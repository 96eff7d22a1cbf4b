import type { AgendaItem, FloorTurn, MemberRole, VoteResult } from '@confidentiel/protocol';
import type { PreparedItem } from './AgendaStore.ts';
import { notFound } from './committeePlan.ts';
import type { MinutesRevision } from './MinutesStore.ts';

/** How long a member's budget of journaled refusals runs. */
export const MINUTE_MS = 60_000;

export interface ItemState {
  itemId: string;
  title: string;
  presenter: string | null;
  plannedMinutes: number;
  notes: string;
  status: AgendaItem['status'];
  elapsedMs: number;
  speakingMs: Map<string, number>;
}

export interface VoteState {
  voteId: string;
  motion: string;
  options: string[];
  secret: boolean;
  itemId: string | null;
  openedAt: number;
  eligible: number;
  quorum: number;
  /**
   * Held only while the vote is open. A secret ballot's choices are never journaled; they reach
   * the owner's snapshot in Redis while the vote is open (see CommitteeSnapshot), nowhere else.
   */
  ballots: Map<string, { displayName: string; choice: string }>;
}

export interface Span {
  memberId: string;
  displayName: string;
  role: MemberRole;
  joinedAt: number;
  leftAt: number | null;
}

/**
 * What a committee room holds of its meeting (agenda, floor, votes, minutes index, recording
 * notice, attendance): everything its snapshot carries but the session's journal. Owned by one
 * CommitteeRoom, changed only in its turn.
 */
export interface CommitteeRoomState {
  /** In the agenda's current order. */
  items: ItemState[];
  current: ItemState | null;
  currentSince: number | null;
  speaker: string | null;
  speakerSince: number | null;
  /** Start of the speaker's time not yet counted on the current item. */
  speakingFrom: number | null;
  queue: string[];
  /** Every floor given, oldest first (the last one open while its speaker has the floor). */
  history: FloorTurn[];
  /** The chair opened free discussion: participants may unmute without the floor. */
  freeDiscussion: boolean;
  vote: VoteState | null;
  closedVotes: Set<string>;
  results: VoteResult[];
  recording: { since: number; recordingId: string } | null;
  minutes: Map<string, { revision: number; sha256: string }>;
  attendance: Span[];
  /** The members in the room now: each one's open span, the same object as in `attendance`. */
  present: Map<string, Span>;
  /** Refusal-journaling budgets (the flood guard), per member. */
  refusals: Map<string, { since: number; count: number }>;
  /** The host ended the meeting. */
  ended: boolean;
}

/** The state of a meeting no session has touched yet: its prepared agenda, its stored minutes. */
export function newRoomState(
  agenda: readonly PreparedItem[],
  minutes: readonly MinutesRevision[],
): CommitteeRoomState {
  const state: CommitteeRoomState = {
    items: agenda.map((item) => ({
      ...item,
      status: 'pending',
      elapsedMs: 0,
      speakingMs: new Map(),
    })),
    current: null,
    currentSince: null,
    speaker: null,
    speakerSince: null,
    speakingFrom: null,
    queue: [],
    history: [],
    freeDiscussion: false,
    vote: null,
    closedVotes: new Set(),
    results: [],
    recording: null,
    minutes: new Map(),
    attendance: [],
    present: new Map(),
    refusals: new Map(),
    ended: false,
  };
  // Minutes of items no longer on the agenda (replaced before this session) stay stored, not served.
  const listed = new Set(agenda.map((item) => item.itemId));
  for (const revision of minutes) {
    if (listed.has(revision.itemId)) {
      state.minutes.set(revision.itemId, { revision: revision.revision, sha256: revision.sha256 });
    }
  }
  return state;
}

export function itemOf(state: CommitteeRoomState, itemId: string): ItemState {
  const item = state.items.find((i) => i.itemId === itemId);
  if (!item) {
    throw notFound('no such agenda item');
  }
  return item;
}
