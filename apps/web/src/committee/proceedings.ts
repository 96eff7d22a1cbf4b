import type { AgendaItem, CommitteeState, FloorTurn, OpenVote, VoteResult } from '@confidentiel/protocol';
import { itemElapsedMs, itemSpeakingMs } from './elapsed.ts';
import type { MinutesEntry } from './minutesRequests.ts';

/*
 * The procès-verbal as data: built in the browser from the committee state
 * and the minutes this browser could open, then written out as HTML or
 * Markdown (proceedingsHtml.ts, proceedingsMarkdown.ts) or PDF (pdf/). Nothing
 * here knows about markup or language.
 */

/** What the room info told about the meeting (see `roomInfoSchema`). */
export interface MeetingFacts {
  /** null: untitled, or a server too old to say. */
  title: string | null;
  /** Scheduled start (ms); null when unknown. */
  startsAt: number | null;
}

export type AttendanceRole = CommitteeState['attendance'][number]['role'];

export interface AttendanceSpan {
  role: AttendanceRole;
  joinedAt: number;
  /** null: still present when the document was made. */
  leftAt: number | null;
}

export interface AttendanceLine {
  memberId: string;
  displayName: string;
  /** Roles held, in the order first held. */
  roles: AttendanceRole[];
  spans: AttendanceSpan[];
}

export interface SpeakingTime {
  memberId: string;
  displayName: string;
  ms: number;
}

export interface ProceedingsVote {
  voteId: string;
  motion: string;
  options: string[];
  secret: boolean;
  openedAt: number;
  /** null: still open when the document was made. */
  closedAt: number | null;
  eligible: number;
  quorum: number;
  /** Ballots cast (so far, for an open vote). */
  cast: number;
  quorumReached: boolean | null;
  /** Every option with its count, in the motion's order; empty while the vote is open. */
  tally: { option: string; count: number }[];
  outcome: VoteResult['outcome'] | null;
  /** Open ballots only: who voted what. Always null for a secret ballot. */
  ballots: { displayName: string; choice: string }[] | null;
}

/** One floor given by the chair. */
export interface FloorTurnLine {
  memberId: string;
  displayName: string;
  from: number;
  /** null: still speaking when the document was made. */
  to: number | null;
  /** Length of the turn (up to the document's time for a running one). */
  ms: number;
}

export type ProceedingsMinutes =
  | { state: 'none' }
  | { state: 'text'; revision: number; text: string }
  /** Saved, but not readable here (no link secret, another key). */
  | { state: 'sealed'; revision: number };

export interface ProceedingsItem {
  itemId: string;
  position: number;
  title: string;
  presenter: string | null;
  plannedMinutes: number;
  status: AgendaItem['status'];
  elapsedMs: number;
  /** When the current opening began: only for the item open when the document was made. */
  openSince: number | null;
  /** Longest first. */
  speaking: SpeakingTime[];
  /** Every floor given on this item, in order. */
  turns: FloorTurnLine[];
  minutes: ProceedingsMinutes;
  votes: ProceedingsVote[];
}

export interface Proceedings {
  meetingId: string;
  /** The meeting's title; null: untitled (never its id). */
  title: string | null;
  /** The scheduled start, when known. */
  scheduledAt: number | null;
  generatedAt: number;
  /** First arrival, when anyone came. */
  startedAt: number | null;
  /** Last departure, once everyone has left; null while someone is present (or nobody came). */
  endedAt: number | null;
  attendance: AttendanceLine[];
  items: ProceedingsItem[];
  /** Votes on no agenda item (or on one no longer on it). */
  otherVotes: ProceedingsVote[];
  /** Floors given on no agenda item (or on one no longer on it). */
  otherTurns: FloorTurnLine[];
  recording: { on: boolean; since: number | null };
}

export interface ProceedingsInput {
  meetingId: string;
  /** Title and scheduled start from the room info; absent: unknown. */
  meeting?: MeetingFacts;
  state: CommitteeState;
  /** The minutes this browser opened, by item. */
  minutes: ReadonlyMap<string, MinutesEntry>;
  /** Names of members the attendance does not list (fallback: the member id). */
  names: ReadonlyMap<string, string>;
  generatedAt: number;
}

function attendanceOf(state: CommitteeState): AttendanceLine[] {
  const lines = new Map<string, AttendanceLine>();
  const entries = [...state.attendance].sort((a, b) => a.joinedAt - b.joinedAt);
  for (const entry of entries) {
    let line = lines.get(entry.memberId);
    if (!line) {
      line = { memberId: entry.memberId, displayName: entry.displayName, roles: [], spans: [] };
      lines.set(entry.memberId, line);
    }
    // The latest name is the one people knew them by at the end.
    line.displayName = entry.displayName;
    if (!line.roles.includes(entry.role)) {
      line.roles.push(entry.role);
    }
    line.spans.push({ role: entry.role, joinedAt: entry.joinedAt, leftAt: entry.leftAt });
  }
  return [...lines.values()];
}

function nameOf(memberId: string, state: CommitteeState, names: ReadonlyMap<string, string>): string {
  let name: string | undefined;
  for (const entry of state.attendance) {
    if (entry.memberId === memberId) {
      name = entry.displayName;
    }
  }
  return name ?? names.get(memberId) ?? memberId;
}

function closedVote(result: VoteResult): ProceedingsVote {
  return {
    voteId: result.voteId,
    motion: result.motion,
    options: [...result.options],
    secret: result.secret,
    openedAt: result.openedAt,
    closedAt: result.closedAt,
    eligible: result.eligible,
    quorum: result.quorum,
    cast: result.cast,
    quorumReached: result.quorumReached,
    tally: result.options.map((option) => ({ option, count: result.tally[option] ?? 0 })),
    outcome: result.outcome,
    // A secret ballot never names anyone's choice, whatever the server sent.
    ballots:
      result.secret || result.ballots === null
        ? null
        : result.ballots.map(({ displayName, choice }) => ({ displayName, choice })),
  };
}

function runningVote(vote: OpenVote): ProceedingsVote {
  return {
    voteId: vote.voteId,
    motion: vote.motion,
    options: [...vote.options],
    secret: vote.secret,
    openedAt: vote.openedAt,
    closedAt: null,
    eligible: vote.eligible,
    quorum: vote.quorum,
    cast: vote.voted.length,
    quorumReached: null,
    tally: [],
    outcome: null,
    ballots: null,
  };
}

function minutesOf(item: AgendaItem, input: ProceedingsInput): ProceedingsMinutes {
  const opened = input.minutes.get(item.itemId);
  const saved = input.state.minutes[item.itemId];
  if (opened && opened.text !== null && (saved === undefined || opened.revision >= saved.revision)) {
    return { state: 'text', revision: opened.revision, text: opened.text };
  }
  if (saved !== undefined || opened !== undefined) {
    return { state: 'sealed', revision: Math.max(saved?.revision ?? 0, opened?.revision ?? 0) };
  }
  return { state: 'none' };
}

function turnLine(turn: FloorTurn, generatedAt: number): FloorTurnLine {
  const end = turn.to ?? generatedAt;
  return {
    memberId: turn.memberId,
    displayName: turn.displayName,
    from: turn.from,
    to: turn.to,
    ms: Math.max(0, end - turn.from),
  };
}

/** The last departure, if every presence span is closed. */
function endOf(state: CommitteeState): number | null {
  if (state.attendance.length === 0 || state.attendance.some((entry) => entry.leftAt === null)) {
    return null;
  }
  return Math.max(...state.attendance.map((entry) => entry.leftAt ?? 0));
}

/** The procès-verbal of the session as it stands at `generatedAt`. */
export function buildProceedings(input: ProceedingsInput): Proceedings {
  const { state, generatedAt } = input;
  const votes = [
    ...state.results.map((result) => ({ itemId: result.itemId, vote: closedVote(result) })),
    ...(state.vote ? [{ itemId: state.vote.itemId, vote: runningVote(state.vote) }] : []),
  ].sort((a, b) => a.vote.openedAt - b.vote.openedAt);
  const itemIds = new Set(state.agenda.map((item) => item.itemId));
  const turns = [...state.floor.history].sort((a, b) => a.from - b.from);
  const items = state.agenda.map((item, index): ProceedingsItem => ({
    itemId: item.itemId,
    position: index + 1,
    title: item.title,
    presenter: item.presenter,
    plannedMinutes: item.plannedMinutes,
    status: item.status,
    elapsedMs: itemElapsedMs(item, state, generatedAt),
    openSince: item.status === 'open' && state.currentItemId === item.itemId ? state.currentSince : null,
    speaking: [...itemSpeakingMs(item, state, generatedAt)]
      .filter(([, ms]) => ms > 0)
      .map(([memberId, ms]) => ({ memberId, displayName: nameOf(memberId, state, input.names), ms }))
      .sort((a, b) => b.ms - a.ms || a.displayName.localeCompare(b.displayName)),
    turns: turns.filter((t) => t.itemId === item.itemId).map((t) => turnLine(t, generatedAt)),
    minutes: minutesOf(item, input),
    votes: votes.filter((v) => v.itemId === item.itemId).map((v) => v.vote),
  }));
  const attendance = attendanceOf(state);
  const title = input.meeting?.title?.trim() ?? '';
  return {
    meetingId: input.meetingId,
    title: title === '' ? null : title,
    scheduledAt: input.meeting?.startsAt ?? null,
    generatedAt,
    startedAt: attendance.length > 0 ? Math.min(...state.attendance.map((e) => e.joinedAt)) : null,
    endedAt: endOf(state),
    attendance,
    items,
    otherVotes: votes.filter((v) => v.itemId === null || !itemIds.has(v.itemId)).map((v) => v.vote),
    otherTurns: turns
      .filter((t) => t.itemId === null || !itemIds.has(t.itemId))
      .map((t) => turnLine(t, generatedAt)),
    recording: { on: state.recording.on, since: state.recording.since },
  };
}
