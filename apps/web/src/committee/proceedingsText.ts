import type { AgendaItem, VoteResult } from '@confidentiel/protocol';
import type { AttendanceRole, AttendanceSpan } from './proceedings.ts';
import { formatDuration } from './elapsed.ts';
import { isDefaultOption } from './voteOptions.ts';

/** The words of the procès-verbal, in the reader's language (`committee.document` in the translations). */
export interface ProceedingsText {
  title: string;
  /** Between a label and its value: ` : ` in French, `: ` in English. */
  colon: string;
  meeting: string;
  date: string;
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
  speakingTime: string;
  noSpeaking: string;
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
