import type { AgendaItem, CommitteeState, OpenVote, VoteResult } from '@confidentiel/protocol';
import { itemElapsedMs, itemSpeakingMs } from './elapsed.ts';
import type { MinutesEntry } from './minutesRequests.ts';

/*
 * The procès-verbal as data: built in the browser from the committee state
 * and the minutes this browser could open, then written out as HTML or
 * Markdown (proceedingsHtml.ts, proceedingsMarkdown.ts). Nothing here knows
 * about markup or language.
 */

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
  /** Longest first. */
  speaking: SpeakingTime[];
  minutes: ProceedingsMinutes;
  votes: ProceedingsVote[];
}

export interface Proceedings {
  meetingId: string;
  generatedAt: number;
  /** First arrival, when anyone came. */
  startedAt: number | null;
  attendance: AttendanceLine[];
  items: ProceedingsItem[];
  /** Votes on no agenda item (or on one no longer on it). */
  otherVotes: ProceedingsVote[];
  recording: { on: boolean; since: number | null };
}

export interface ProceedingsInput {
  meetingId: string;
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

/** The procès-verbal of the session as it stands at `generatedAt`. */
export function buildProceedings(input: ProceedingsInput): Proceedings {
  const { state, generatedAt } = input;
  const votes = [
    ...state.results.map((result) => ({ itemId: result.itemId, vote: closedVote(result) })),
    ...(state.vote ? [{ itemId: state.vote.itemId, vote: runningVote(state.vote) }] : []),
  ].sort((a, b) => a.vote.openedAt - b.vote.openedAt);
  const itemIds = new Set(state.agenda.map((item) => item.itemId));
  const items = state.agenda.map((item, index): ProceedingsItem => ({
    itemId: item.itemId,
    position: index + 1,
    title: item.title,
    presenter: item.presenter,
    plannedMinutes: item.plannedMinutes,
    status: item.status,
    elapsedMs: itemElapsedMs(item, state, generatedAt),
    speaking: [...itemSpeakingMs(item, state, generatedAt)]
      .filter(([, ms]) => ms > 0)
      .map(([memberId, ms]) => ({ memberId, displayName: nameOf(memberId, state, input.names), ms }))
      .sort((a, b) => b.ms - a.ms || a.displayName.localeCompare(b.displayName)),
    minutes: minutesOf(item, input),
    votes: votes.filter((v) => v.itemId === item.itemId).map((v) => v.vote),
  }));
  const attendance = attendanceOf(state);
  return {
    meetingId: input.meetingId,
    generatedAt,
    startedAt: attendance.length > 0 ? Math.min(...state.attendance.map((e) => e.joinedAt)) : null,
    attendance,
    items,
    otherVotes: votes.filter((v) => v.itemId === null || !itemIds.has(v.itemId)).map((v) => v.vote),
    recording: { on: state.recording.on, since: state.recording.since },
  };
}
