import type {
  FloorTurnLine,
  Proceedings,
  ProceedingsItem,
  ProceedingsMinutes,
  ProceedingsVote,
} from '../proceedings.ts';
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
} from '../proceedingsText.ts';

/**
 * The procès-verbal as a flow of blocks for the PDF page layout
 * (pdfLayout.ts): the same content, in the same order, as the Markdown and
 * HTML exports. Text stays plain: the PDF shows it as typed.
 */

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: string }
  /** Term and value pairs, the term in bold. */
  | { kind: 'facts'; pairs: readonly (readonly [string, string])[] }
  /** `widths`: each column's share of the line (they add up to 1). */
  | {
      kind: 'table';
      headers: readonly string[];
      rows: readonly (readonly string[])[];
      widths: readonly number[];
    }
  | { kind: 'text'; text: string; style: 'body' | 'muted' | 'quote' };

const muted = (text: string): Block => ({ kind: 'text', text, style: 'muted' });

function minutesBlocks(minutes: ProceedingsMinutes, text: ProceedingsText): Block[] {
  switch (minutes.state) {
    case 'none':
      return [muted(text.noMinutes)];
    case 'sealed':
      return [muted(text.sealedMinutes)];
    case 'text':
      return [
        { kind: 'text', text: minutes.text, style: 'quote' },
        muted(`${text.revision} ${minutes.revision}`),
      ];
    default: {
      const unreachable: never = minutes;
      return unreachable;
    }
  }
}

function voteBlocks(
  vote: ProceedingsVote,
  level: 3 | 5,
  text: ProceedingsText,
  format: ProceedingsFormat,
): Block[] {
  const pairs = voteFactsOf(vote, text, format);
  if (vote.outcome !== null) {
    pairs.push([text.outcome, text.outcomes[vote.outcome]]);
  }
  const blocks: Block[] = [
    { kind: 'heading', level, text: `${text.motion} – ${vote.motion}` },
    { kind: 'facts', pairs },
  ];
  if (vote.tally.length > 0) {
    blocks.push({
      kind: 'table',
      headers: [text.option, text.count],
      rows: vote.tally.map(({ option, count }) => [optionLabel(option, text), String(count)]),
      widths: [0.7, 0.3],
    });
  }
  if (!vote.secret && vote.ballots !== null && vote.ballots.length > 0) {
    blocks.push(
      { kind: 'heading', level: level === 3 ? 4 : 6, text: text.ballots },
      {
        kind: 'table',
        headers: [text.name, text.option],
        rows: vote.ballots.map(({ displayName, choice }) => [displayName, optionLabel(choice, text)]),
        widths: [0.6, 0.4],
      },
    );
  }
  return blocks;
}

function turnsBlock(
  turns: readonly FloorTurnLine[],
  text: ProceedingsText,
  format: ProceedingsFormat,
): Block {
  return turns.length === 0
    ? muted(text.noFloor)
    : {
        kind: 'table',
        headers: turnHeaders(text),
        rows: turns.map((turn) => turnRow(turn, text, format)),
        widths: [0.42, 0.36, 0.22],
      };
}

function itemBlocks(item: ProceedingsItem, text: ProceedingsText, format: ProceedingsFormat): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 3, text: `${item.position}. ${item.title}` },
    { kind: 'facts', pairs: itemFactsOf(item, text, format) },
    { kind: 'heading', level: 4, text: text.speakingTime },
    item.speaking.length === 0
      ? muted(text.noSpeaking)
      : {
          kind: 'table',
          headers: [text.name, text.speakingTime],
          rows: item.speaking.map((s) => [s.displayName, format.duration(s.ms)]),
          widths: [0.6, 0.4],
        },
    { kind: 'heading', level: 4, text: text.floorGiven },
    turnsBlock(item.turns, text, format),
    { kind: 'heading', level: 4, text: text.minutes },
    ...minutesBlocks(item.minutes, text),
  ];
  if (item.votes.length > 0) {
    blocks.push(
      { kind: 'heading', level: 4, text: text.votes },
      ...item.votes.flatMap((vote) => voteBlocks(vote, 5, text, format)),
    );
  }
  return blocks;
}

/** The whole document, then how to check it against its printed hash. */
export function proceedingsBlocks(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: documentTitle(doc, text) },
    { kind: 'facts', pairs: meetingFactsOf(doc, text, format) },
    { kind: 'heading', level: 2, text: text.attendance },
    doc.attendance.length === 0
      ? muted(text.nobody)
      : {
          kind: 'table',
          headers: [text.name, text.role, text.presence],
          rows: doc.attendance.map((line) => attendanceRow(line, text, format)),
          widths: [0.34, 0.22, 0.44],
        },
    { kind: 'heading', level: 2, text: text.agenda },
    ...(doc.items.length === 0
      ? [muted(text.emptyAgenda)]
      : doc.items.flatMap((item) => itemBlocks(item, text, format))),
  ];
  if (doc.otherTurns.length > 0) {
    blocks.push(
      { kind: 'heading', level: 2, text: text.otherFloor },
      turnsBlock(doc.otherTurns, text, format),
    );
  }
  if (doc.otherVotes.length > 0) {
    blocks.push(
      { kind: 'heading', level: 2, text: text.otherVotes },
      ...doc.otherVotes.flatMap((vote) => voteBlocks(vote, 3, text, format)),
    );
  }
  blocks.push(
    { kind: 'heading', level: 2, text: text.integrity },
    { kind: 'text', text: text.integrityNote, style: 'body' },
  );
  return blocks;
}
