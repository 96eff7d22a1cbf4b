import type { AgendaItem, VoteResult } from '@confidentiel/protocol';
import type {
  AttendanceLine,
  AttendanceRole,
  AttendanceSpan,
  FloorTurnLine,
  Proceedings,
  ProceedingsItem,
  ProceedingsVote,
} from './proceedings.ts';
import { formatDuration } from './elapsed.ts';
import { isDefaultOption } from './voteOptions.ts';

/** The words of the procès-verbal, in the reader's language (`committee.document` in the translations). */
export interface ProceedingsText {
  title: string;
  /** Between a label and its value: ` : ` in French, `: ` in English. */
  colon: string;
  meeting: string;
  /** The meeting when it has no title. */
  untitled: string;
  date: string;
  scheduledFor: string;
  /** The session's actual start and end (first arrival, last departure). */
  session: string;
  notHeld: string;
  inProgress: string;
  /** The meeting's id, as a small reference line. */
  reference: string;
  generatedAt: string;
  recording: string;
  recordingOn: string;
  attendance: string;
  nobody: string;
  name: string;
  role: string;
  presence: string;
  stillPresent: string;
  roles: Record<AttendanceRole, string>;
  agenda: string;
  emptyAgenda: string;
  presenter: string;
  status: string;
  statuses: Record<AgendaItem['status'], string>;
  planned: string;
  minutesUnit: string;
  timeOpen: string;
  openSince: string;
  speakingTime: string;
  noSpeaking: string;
  floorGiven: string;
  noFloor: string;
  otherFloor: string;
  period: string;
  duration: string;
  stillSpeaking: string;
  minutes: string;
  noMinutes: string;
  sealedMinutes: string;
  revision: string;
  votes: string;
  otherVotes: string;
  motion: string;
  ballot: string;
  secretBallot: string;
  openBallot: string;
  openedAt: string;
  closedAt: string;
  eligible: string;
  quorum: string;
  reached: string;
  notReached: string;
  cast: string;
  option: string;
  count: string;
  outcome: string;
  outcomes: Record<VoteResult['outcome'], string>;
  stillOpen: string;
  ballots: string;
  options: Record<'pour' | 'contre' | 'abstention', string>;
  /** PDF only: page numbers and the printed hash. */
  page: string;
  hashLabel: string;
  integrity: string;
  integrityNote: string;
}

/** How instants and durations read in the document. */
export interface ProceedingsFormat {
  /** The language of the document (`<html lang>`). */
  lang: string;
  dateTime(ms: number): string;
  date(ms: number): string;
  time(ms: number): string;
  duration(ms: number): string;
}

/** Formats for `locale`; `timeZone` is the browser's unless given (tests). */
export function proceedingsFormat(locale: string, timeZone?: string): ProceedingsFormat {
  const zone = timeZone === undefined ? {} : { timeZone };
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', ...zone });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'full', ...zone });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'medium', ...zone });
  return {
    lang: locale,
    dateTime: (ms) => dateTime.format(ms),
    date: (ms) => date.format(ms),
    time: (ms) => time.format(ms),
    duration: formatDuration,
  };
}

/** A vote option as read: the default ones translated, the chair's own as typed. */
export function optionLabel(option: string, text: Pick<ProceedingsText, 'options'>): string {
  return isDefaultOption(option) ? text.options[option] : option;
}

/** `09:00:00 – 10:12:30`, or `09:00:00 – still present`. */
export function spanLabel(span: AttendanceSpan, text: ProceedingsText, format: ProceedingsFormat): string {
  return `${format.time(span.joinedAt)} – ${span.leftAt === null ? text.stillPresent : format.time(span.leftAt)}`;
}

/** The document's heading: `Procès-verbal de séance – Commission des finances`. */
export function documentTitle(doc: Proceedings, text: ProceedingsText): string {
  return `${text.title} – ${doc.title ?? text.untitled}`;
}

/** The day the document is about: the scheduled one, else the first arrival's, else today. */
export function documentDay(doc: Proceedings): number {
  return doc.scheduledAt ?? doc.startedAt ?? doc.generatedAt;
}

/** The facts at the head of the document, the meeting's id last as a mere reference. */
export function meetingFactsOf(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
): [string, string][] {
  const facts: [string, string][] = [
    [text.meeting, doc.title ?? text.untitled],
    [text.date, format.date(documentDay(doc))],
  ];
  if (doc.scheduledAt !== null) {
    facts.push([text.scheduledFor, format.dateTime(doc.scheduledAt)]);
  }
  facts.push([
    text.session,
    doc.startedAt === null
      ? text.notHeld
      : `${format.dateTime(doc.startedAt)} – ${doc.endedAt === null ? text.inProgress : format.time(doc.endedAt)}`,
  ]);
  facts.push([text.generatedAt, format.dateTime(doc.generatedAt)]);
  if (doc.recording.on && doc.recording.since !== null) {
    facts.push([text.recording, `${text.recordingOn} ${format.time(doc.recording.since)}`]);
  }
  facts.push([text.reference, doc.meetingId]);
  return facts;
}

/** Name, roles, and every presence span: `09:00:00 – 10:12:30 ; 10:20:00 – en séance`. */
export function attendanceRow(
  line: AttendanceLine,
  text: ProceedingsText,
  format: ProceedingsFormat,
): string[] {
  return [
    line.displayName,
    line.roles.map((role) => text.roles[role]).join(', '),
    line.spans.map((span) => spanLabel(span, text, format)).join(' ; '),
  ];
}

/** The facts of an agenda item, in the order every format shows them. */
export function itemFactsOf(
  item: ProceedingsItem,
  text: ProceedingsText,
  format: ProceedingsFormat,
): [string, string][] {
  const facts: [string, string][] = [];
  if (item.presenter !== null && item.presenter !== '') {
    facts.push([text.presenter, item.presenter]);
  }
  facts.push([text.status, text.statuses[item.status]]);
  if (item.plannedMinutes > 0) {
    facts.push([text.planned, `${item.plannedMinutes} ${text.minutesUnit}`]);
  }
  facts.push([text.timeOpen, format.duration(item.elapsedMs)]);
  if (item.openSince !== null) {
    facts.push([text.openSince, format.time(item.openSince)]);
  }
  return facts;
}

/** The facts of a vote (the decision apart: each format sets it off its own way). */
export function voteFactsOf(
  vote: ProceedingsVote,
  text: ProceedingsText,
  format: ProceedingsFormat,
): [string, string][] {
  return [
    [text.ballot, vote.secret ? text.secretBallot : text.openBallot],
    [text.openedAt, format.time(vote.openedAt)],
    [text.closedAt, vote.closedAt === null ? text.stillOpen : format.time(vote.closedAt)],
    [text.eligible, String(vote.eligible)],
    [
      text.quorum,
      vote.quorumReached === null
        ? String(vote.quorum)
        : `${vote.quorum} (${vote.quorumReached ? text.reached : text.notReached})`,
    ],
    [text.cast, String(vote.cast)],
  ];
}

/** Headers of the floor table. */
export function turnHeaders(text: ProceedingsText): string[] {
  return [text.name, text.period, text.duration];
}

/** One floor given: `Marc Membre | 09:12:00 – 09:14:30 | 2 min 30 s`. */
export function turnRow(turn: FloorTurnLine, text: ProceedingsText, format: ProceedingsFormat): string[] {
  return [
    turn.displayName,
    `${format.time(turn.from)} – ${turn.to === null ? text.stillSpeaking : format.time(turn.to)}`,
    format.duration(turn.ms),
  ];
}
