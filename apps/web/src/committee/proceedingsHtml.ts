import type {
  FloorTurnLine,
  Proceedings,
  ProceedingsItem,
  ProceedingsMinutes,
  ProceedingsVote,
} from './proceedings.ts';
import {
  attendanceRow,
  documentDay,
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
 * The procès-verbal as one self-contained HTML file: every text escaped, the
 * style inline, and a Content-Security-Policy that forbids loading anything
 * (the file is opened from disk, maybe years later, maybe by a court).
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const STYLE = `
body { font-family: system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif; line-height: 1.5; color: #14181f; background: #ffffff; margin: 0; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 1rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.75rem; border-bottom: 2px solid #1d3f72; }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
h4 { font-size: 1rem; margin: 1rem 0 0.35rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0 0 0.75rem; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; margin: 0.25rem 0 0.75rem; }
th, td { border: 1px solid #c4cad3; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eceff3; }
.minutes { white-space: pre-wrap; border-left: 3px solid #c4cad3; padding-left: 0.75rem; }
.vote { border: 1px solid #c4cad3; border-radius: 8px; padding: 0.5rem 1rem; margin: 0.5rem 0 1rem; }
.outcome { font-weight: 700; }
.muted { color: #4a5361; font-style: italic; }
@media print { main { padding: 0; } .vote { break-inside: avoid; } }
`;

const e = escapeHtml;

function definitions(pairs: readonly (readonly [string, string])[]): string {
  return `<dl>${pairs.map(([term, value]) => `<dt>${e(term)}</dt><dd>${e(value)}</dd>`).join('')}</dl>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th scope="col">${e(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${e(cell)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function minutesHtml(minutes: ProceedingsMinutes, text: ProceedingsText): string {
  switch (minutes.state) {
    case 'none':
      return `<p class="muted">${e(text.noMinutes)}</p>`;
    case 'sealed':
      return `<p class="muted">${e(text.sealedMinutes)}</p>`;
    case 'text':
      return `<div class="minutes">${e(minutes.text)}</div><p class="muted">${e(text.revision)} ${minutes.revision}</p>`;
    default: {
      const unreachable: never = minutes;
      return unreachable;
    }
  }
}

function voteHtml(
  vote: ProceedingsVote,
  level: 3 | 5,
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  const parts = [
    `<section class="vote" data-vote-id="${e(vote.voteId)}">`,
    `<h${level}>${e(text.motion)} – ${e(vote.motion)}</h${level}>`,
    definitions(voteFactsOf(vote, text, format)),
  ];
  if (vote.tally.length > 0) {
    parts.push(
      table(
        [text.option, text.count],
        vote.tally.map(({ option, count }) => [optionLabel(option, text), String(count)]),
      ),
    );
  }
  if (vote.outcome !== null) {
    parts.push(
      `<dl class="outcome"><dt>${e(text.outcome)}</dt><dd>${e(text.outcomes[vote.outcome])}</dd></dl>`,
    );
  }
  if (!vote.secret && vote.ballots !== null && vote.ballots.length > 0) {
    parts.push(
      `<h${level + 1}>${e(text.ballots)}</h${level + 1}>`,
      table(
        [text.name, text.option],
        vote.ballots.map(({ displayName, choice }) => [displayName, optionLabel(choice, text)]),
      ),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function turnsHtml(
  turns: readonly FloorTurnLine[],
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  return turns.length === 0
    ? `<p class="muted">${e(text.noFloor)}</p>`
    : table(
        turnHeaders(text),
        turns.map((turn) => turnRow(turn, text, format)),
      );
}

function itemHtml(item: ProceedingsItem, text: ProceedingsText, format: ProceedingsFormat): string {
  const parts = [
    `<section class="item" data-item-id="${e(item.itemId)}">`,
    `<h3>${item.position}. ${e(item.title)}</h3>`,
    definitions(itemFactsOf(item, text, format)),
    `<h4>${e(text.speakingTime)}</h4>`,
    item.speaking.length === 0
      ? `<p class="muted">${e(text.noSpeaking)}</p>`
      : table(
          [text.name, text.speakingTime],
          item.speaking.map((s) => [s.displayName, format.duration(s.ms)]),
        ),
    `<h4>${e(text.floorGiven)}</h4>`,
    turnsHtml(item.turns, text, format),
    `<h4>${e(text.minutes)}</h4>`,
    minutesHtml(item.minutes, text),
  ];
  if (item.votes.length > 0) {
    parts.push(`<h4>${e(text.votes)}</h4>`, ...item.votes.map((vote) => voteHtml(vote, 5, text, format)));
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** The whole document, ready to save as `.html`. */
export function proceedingsToHtml(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
): string {
  const heading = documentTitle(doc, text);
  const attendance =
    doc.attendance.length === 0
      ? `<p class="muted">${e(text.nobody)}</p>`
      : table(
          [text.name, text.role, text.presence],
          doc.attendance.map((line) => attendanceRow(line, text, format)),
        );
  const items =
    doc.items.length === 0
      ? `<p class="muted">${e(text.emptyAgenda)}</p>`
      : doc.items.map((item) => itemHtml(item, text, format)).join('\n');
  const otherTurns =
    doc.otherTurns.length === 0
      ? ''
      : `<h2>${e(text.otherFloor)}</h2>\n${turnsHtml(doc.otherTurns, text, format)}`;
  const others =
    doc.otherVotes.length === 0
      ? ''
      : `<h2>${e(text.otherVotes)}</h2>\n${doc.otherVotes.map((vote) => voteHtml(vote, 3, text, format)).join('\n')}`;
  return `<!doctype html>
<html lang="${e(format.lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(heading)} – ${e(format.date(documentDay(doc)))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${e(heading)}</h1>
${definitions(meetingFactsOf(doc, text, format))}
<h2>${e(text.attendance)}</h2>
${attendance}
<h2>${e(text.agenda)}</h2>
${items}
${otherTurns}
${others}
</main>
</body>
</html>
`;
}
