import type { PDFFont } from 'pdf-lib';

/*
 * Plain text for a PDF page: only characters the embedded font draws, and
 * lines that fit a width. A character the font lacks would be drawn as the
 * .notdef glyph, which PDF/A forbids and a reader cannot copy: it becomes
 * U+FFFD (or `?`), visibly.
 */

/** C0 controls (tab and line feed are handled before), DEL, C1 controls, invisible format characters. */
function invisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    code === 0xfeff
  );
}

/** What `font` can draw of `text`: tabs as spaces, line breaks as `\n`, other controls dropped. */
export function drawable(text: string, characters: ReadonlySet<number>): string {
  const cleaned = text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  const replacement = characters.has(0xfffd) ? '\ufffd' : '?';
  let out = '';
  for (const char of cleaned) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\n') {
      out += char;
    } else if (!invisible(code)) {
      out += characters.has(code) ? char : replacement;
    }
  }
  return out;
}

/** Widths of words at one size in one font, measured once: a long text repeats its words. */
const measures = new WeakMap<PDFFont, Map<string, number>>();

function measure(font: PDFFont, size: number, word: string): number {
  let cache = measures.get(font);
  if (!cache) {
    cache = new Map();
    measures.set(font, cache);
  }
  const key = `${size}\u0000${word}`;
  let width = cache.get(key);
  if (width === undefined) {
    width = font.widthOfTextAtSize(word, size);
    cache.set(key, width);
  }
  return width;
}

/** Splits one over-long word into pieces no wider than `width` (widths summed per character). */
function breakWord(word: string, font: PDFFont, size: number, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceWidth = 0;
  for (const char of word) {
    const w = measure(font, size, char);
    if (piece !== '' && pieceWidth + w > width) {
      pieces.push(piece);
      piece = '';
      pieceWidth = 0;
    }
    piece += char;
    pieceWidth += w;
  }
  if (piece !== '') {
    pieces.push(piece);
  }
  return pieces;
}

/** Room kept for the kerning between words, which summed word widths leave out. */
const SLACK = 0.5;

/**
 * The lines of `text` at `size` in `font`, none wider than `width`: broken
 * at spaces, a word longer than a line broken inside it; the text's own line
 * breaks kept (an empty line stays an empty line).
 */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const room = width - SLACK;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    // Width of the line without its trailing spaces, and of those spaces.
    let inked = 0;
    let trailing = 0;
    // Each word keeps its trailing spaces: a line's own indentation survives.
    for (const token of paragraph.split(/(?<=\s)(?=\S)/u)) {
      const word = token.trimEnd();
      const wordWidth = measure(font, size, word);
      const spaceWidth = measure(font, size, token.slice(word.length));
      if (line === '' || inked + trailing + wordWidth <= room) {
        if (line !== '' || wordWidth <= room) {
          line += token;
          inked += trailing + wordWidth;
          trailing = spaceWidth;
          continue;
        }
      }
      if (line.trim() !== '') {
        lines.push(line.trimEnd());
      }
      // A new line starts with this word (or with the pieces of a word wider than a line).
      if (wordWidth <= room) {
        line = token;
        inked = wordWidth;
        trailing = spaceWidth;
      } else {
        const pieces = breakWord(word, font, size, room);
        lines.push(...pieces.slice(0, -1));
        line = pieces.at(-1) ?? '';
        inked = measure(font, size, line);
        trailing = 0;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
