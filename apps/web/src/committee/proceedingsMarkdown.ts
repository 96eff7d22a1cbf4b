import type {
  FloorTurnLine,
  Proceedings,
  ProceedingsItem,
  ProceedingsMinutes,
  ProceedingsVote,
} from './proceedings.ts';
import {
  attendanceRow,
  documentTitle,
  itemFactsOf,
  meetingFactsOf,
  optionLabel,
  turnHeaders,
  turnRow,
  voteFactsOf,
  type ProceedingsFormat,
  type ProceedingsText,
} from './proceedingsText.ts';

/**
 * The procès-verbal as Markdown. What people typed (names, titles, motions,
 * minutes) is escaped, so a Markdown viewer shows it as text: no heading,
 * link, image or raw HTML can come from it. It is also the document's
 * canonical text: the PDF prints its SHA-256 (pdf/proceedingsPdf.ts).
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
  const pairs = voteFactsOf(vote, text, format);
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

function turnsMarkdown(
  turns: readonly FloorTurnLine[],
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  return turns.length === 0
    ? `_${escapeMarkdown(text.noFloor)}_`
    : table(
        turnHeaders(text),
        turns.map((turn) => turnRow(turn, text, format)),
      );
}

function itemMarkdown(item: ProceedingsItem, text: ProceedingsText, format: ProceedingsFormat): string {
  const parts = [
    `### ${item.position}. ${escapeMarkdown(item.title)}`,
    facts(itemFactsOf(item, text, format), text),
    `#### ${escapeMarkdown(text.speakingTime)}`,
    item.speaking.length === 0
      ? `_${escapeMarkdown(text.noSpeaking)}_`
      : table(
          [text.name, text.speakingTime],
          item.speaking.map((s) => [s.displayName, format.duration(s.ms)]),
        ),
    `#### ${escapeMarkdown(text.floorGiven)}`,
    turnsMarkdown(item.turns, text, format),
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
  const parts = [
    `# ${escapeMarkdown(documentTitle(doc, text))}`,
    facts(meetingFactsOf(doc, text, format), text),
    `## ${escapeMarkdown(text.attendance)}`,
    doc.attendance.length === 0
      ? `_${escapeMarkdown(text.nobody)}_`
      : table(
          [text.name, text.role, text.presence],
          doc.attendance.map((line) => attendanceRow(line, text, format)),
        ),
    `## ${escapeMarkdown(text.agenda)}`,
    doc.items.length === 0
      ? `_${escapeMarkdown(text.emptyAgenda)}_`
      : doc.items.map((item) => itemMarkdown(item, text, format)).join('\n\n'),
  ];
  if (doc.otherTurns.length > 0) {
    parts.push(`## ${escapeMarkdown(text.otherFloor)}`, turnsMarkdown(doc.otherTurns, text, format));
  }
  if (doc.otherVotes.length > 0) {
    parts.push(
      `## ${escapeMarkdown(text.otherVotes)}`,
      ...doc.otherVotes.map((vote) => voteMarkdown(vote, 3, text, format)),
    );
  }
  return `${parts.join('\n\n')}\n`;
}
