import type { Proceedings, ProceedingsItem, ProceedingsMinutes, ProceedingsVote } from './proceedings.ts';
import { optionLabel, spanLabel, type ProceedingsFormat, type ProceedingsText } from './proceedingsText.ts';

/**
 * The procès-verbal as Markdown. What people typed (names, titles, motions,
 * minutes) is escaped, so a Markdown viewer shows it as text: no heading,
 * link, image or raw HTML can come from it.
 */

/** One line of typed text, safe inline and in a table cell. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[\\`*_[\]<>|#~!&]/g, '\\$&');
}

/** Free text (the minutes) as a quote, line breaks kept. */
function quote(text: string): string {
  return text
    .split(/\r?\n|\r/)
    .map((line) => (line.trim() === '' ? '>' : `> ${escapeMarkdown(line)}  `))
    .join('\n');
}

function facts(pairs: readonly (readonly [string, string])[], text: ProceedingsText): string {
  return pairs
    .map(([term, value]) => `- **${escapeMarkdown(term)}**${text.colon}${escapeMarkdown(value)}`)
    .join('\n');
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n');
}

function minutesMarkdown(minutes: ProceedingsMinutes, text: ProceedingsText): string {
  switch (minutes.state) {
    case 'none':
      return `_${escapeMarkdown(text.noMinutes)}_`;
    case 'sealed':
      return `_${escapeMarkdown(text.sealedMinutes)}_`;
    case 'text':
      return `${quote(minutes.text)}\n\n_${escapeMarkdown(text.revision)} ${minutes.revision}_`;
    default: {
      const unreachable: never = minutes;
      return unreachable;
    }
  }
}

function voteMarkdown(
  vote: ProceedingsVote,
  level: 3 | 5,
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  const pairs: [string, string][] = [
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
  if (vote.outcome !== null) {
    pairs.push([text.outcome, text.outcomes[vote.outcome]]);
  }
  const parts = [
    `${'#'.repeat(level)} ${escapeMarkdown(text.motion)} – ${escapeMarkdown(vote.motion)}`,
    facts(pairs, text),
  ];
  if (vote.tally.length > 0) {
    parts.push(
      table(
        [text.option, text.count],
        vote.tally.map(({ option, count }) => [optionLabel(option, text), String(count)]),
      ),
    );
  }
  if (!vote.secret && vote.ballots !== null && vote.ballots.length > 0) {
    parts.push(
      `${'#'.repeat(level + 1)} ${escapeMarkdown(text.ballots)}`,
      table(
        [text.name, text.option],
        vote.ballots.map(({ displayName, choice }) => [displayName, optionLabel(choice, text)]),
      ),
    );
  }
  return parts.join('\n\n');
}

function itemMarkdown(item: ProceedingsItem, text: ProceedingsText, format: ProceedingsFormat): string {
  const pairs: [string, string][] = [];
  if (item.presenter !== null && item.presenter !== '') {
    pairs.push([text.presenter, item.presenter]);
  }
  pairs.push([text.status, text.statuses[item.status]]);
  if (item.plannedMinutes > 0) {
    pairs.push([text.planned, `${item.plannedMinutes} ${text.minutesUnit}`]);
  }
  pairs.push([text.timeOpen, format.duration(item.elapsedMs)]);
  const parts = [
    `### ${item.position}. ${escapeMarkdown(item.title)}`,
    facts(pairs, text),
    `#### ${escapeMarkdown(text.speakingTime)}`,
    item.speaking.length === 0
      ? `_${escapeMarkdown(text.noSpeaking)}_`
      : table(
          [text.name, text.speakingTime],
          item.speaking.map((s) => [s.displayName, format.duration(s.ms)]),
        ),
    `#### ${escapeMarkdown(text.minutes)}`,
    minutesMarkdown(item.minutes, text),
  ];
  if (item.votes.length > 0) {
    parts.push(
      `#### ${escapeMarkdown(text.votes)}`,
      ...item.votes.map((vote) => voteMarkdown(vote, 5, text, format)),
    );
  }
  return parts.join('\n\n');
}

/** The whole document, ready to save as `.md`. */
export function proceedingsToMarkdown(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  const meta: [string, string][] = [
    [text.meeting, doc.meetingId],
    [text.date, format.date(doc.startedAt ?? doc.generatedAt)],
    [text.generatedAt, format.dateTime(doc.generatedAt)],
  ];
  if (doc.recording.on && doc.recording.since !== null) {
    meta.push([text.recording, `${text.recordingOn} ${format.time(doc.recording.since)}`]);
  }
  const parts = [
    `# ${escapeMarkdown(text.title)}`,
    facts(meta, text),
    `## ${escapeMarkdown(text.attendance)}`,
    doc.attendance.length === 0
      ? `_${escapeMarkdown(text.nobody)}_`
      : table(
          [text.name, text.role, text.presence],
          doc.attendance.map((line) => [
            line.displayName,
            line.roles.map((role) => text.roles[role]).join(', '),
            line.spans.map((span) => spanLabel(span, text, format)).join(' ; '),
          ]),
        ),
    `## ${escapeMarkdown(text.agenda)}`,
    doc.items.length === 0
      ? `_${escapeMarkdown(text.emptyAgenda)}_`
      : doc.items.map((item) => itemMarkdown(item, text, format)).join('\n\n'),
  ];
  if (doc.otherVotes.length > 0) {
    parts.push(
      `## ${escapeMarkdown(text.otherVotes)}`,
      ...doc.otherVotes.map((vote) => voteMarkdown(vote, 3, text, format)),
    );
  }
  return `${parts.join('\n\n')}\n`;
}
