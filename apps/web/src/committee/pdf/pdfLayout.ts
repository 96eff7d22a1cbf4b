import { rgb, type Color, type PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Block } from './pdfBlocks.ts';
import { drawable, wrapText } from './pdfText.ts';

/*
 * Blocks laid out on A4 pages: headings kept with what follows, tables whose
 * rows move whole to the next page when they fit on one (their header
 * repeated), long text and over-tall rows carried over line by line. Nothing
 * is drawn outside the margins.
 */

export interface PdfFonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** A4 in points. */
export const PAGE_WIDTH = 595.28;
export const PAGE_HEIGHT = 841.89;
export const MARGIN = 56.7;
/** The foot of each page holds the printed hash and the page number. */
export const BOTTOM = 78;

const WIDTH = PAGE_WIDTH - 2 * MARGIN;
const SIZE = 9.5;
const LINE = 13;
const PAD_X = 4;
const PAD_Y = 3;
/** Space a heading needs below it on its page: never a heading alone at the foot of a page. */
const KEEP_WITH_NEXT = 3 * LINE + 2 * PAD_Y;

const INK = rgb(0.08, 0.094, 0.12);
const MUTED = rgb(0.29, 0.33, 0.38);
const RULE = rgb(0.77, 0.79, 0.83);
const HEADER_FILL = rgb(0.925, 0.937, 0.953);
const ACCENT = rgb(0.114, 0.247, 0.447);

const HEADINGS: Record<1 | 2 | 3 | 4 | 5 | 6, { size: number; before: number; after: number }> = {
  1: { size: 16, before: 0, after: 8 },
  2: { size: 13.5, before: 16, after: 6 },
  3: { size: 12, before: 12, after: 4 },
  4: { size: 10.5, before: 8, after: 3 },
  5: { size: 10.5, before: 8, after: 3 },
  6: { size: 10, before: 6, after: 2 },
};

interface RowStyle {
  fonts: readonly PDFFont[];
  widths: readonly number[];
  border: boolean;
  fill: Color | null;
  padY: number;
}

export class PdfLayout {
  readonly #pdf: PDFDocument;
  readonly #fonts: PdfFonts;
  readonly #characters: ReadonlySet<number>;
  readonly #pages: PDFPage[] = [];
  #page: PDFPage;
  #y = 0;

  constructor(pdf: PDFDocument, fonts: PdfFonts) {
    this.#pdf = pdf;
    this.#fonts = fonts;
    // Both fonts are DejaVu Sans: what the regular one draws, the bold one draws too.
    const bold = new Set(fonts.bold.getCharacterSet());
    this.#characters = new Set(fonts.regular.getCharacterSet().filter((code) => bold.has(code)));
    this.#page = this.#newPage();
  }

  get pages(): readonly PDFPage[] {
    return this.#pages;
  }

  /** `text` reduced to what the fonts draw (see pdfText.ts). */
  drawable(text: string): string {
    return drawable(text, this.#characters);
  }

  add(block: Block): void {
    switch (block.kind) {
      case 'heading':
        this.#heading(block.level, block.text);
        return;
      case 'facts':
        for (const [term, value] of block.pairs) {
          this.#row([term, value], {
            fonts: [this.#fonts.bold, this.#fonts.regular],
            widths: [0.3, 0.7],
            border: false,
            fill: null,
            padY: 1,
          });
        }
        this.#y -= 4;
        return;
      case 'table':
        this.#table(block.headers, block.rows, block.widths);
        return;
      case 'text':
        this.#text(block.text, block.style);
        return;
      default: {
        const unreachable: never = block;
        return unreachable;
      }
    }
  }

  #newPage(): PDFPage {
    const page = this.#pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.#pages.push(page);
    this.#page = page;
    this.#y = PAGE_HEIGHT - MARGIN;
    return page;
  }

  #room(): number {
    return this.#y - BOTTOM;
  }

  #atTop(): boolean {
    return this.#y >= PAGE_HEIGHT - MARGIN - 0.01;
  }

  #line(text: string, x: number, font: PDFFont, size: number, color: Color): void {
    if (text !== '') {
      this.#page.drawText(text, { x, y: this.#y - size, size, font, color });
    }
  }

  #heading(level: 1 | 2 | 3 | 4 | 5 | 6, text: string): void {
    const { size, before, after } = HEADINGS[level];
    const lead = size * 1.3;
    const lines = wrapText(this.drawable(text), this.#fonts.bold, size, WIDTH);
    const space = this.#atTop() ? 0 : before;
    if (space + lines.length * lead + after + KEEP_WITH_NEXT > this.#room() && !this.#atTop()) {
      this.#newPage();
    } else {
      this.#y -= space;
    }
    for (const line of lines) {
      if (lead > this.#room()) {
        this.#newPage();
      }
      this.#line(line, MARGIN, this.#fonts.bold, size, level <= 2 ? ACCENT : INK);
      this.#y -= lead;
    }
    if (level === 2) {
      this.#page.drawLine({
        start: { x: MARGIN, y: this.#y + 2 },
        end: { x: MARGIN + WIDTH, y: this.#y + 2 },
        thickness: 1.2,
        color: ACCENT,
      });
    }
    this.#y -= after;
  }

  #text(text: string, style: 'body' | 'muted' | 'quote'): void {
    const indent = style === 'quote' ? 12 : 0;
    const lines = wrapText(this.drawable(text), this.#fonts.regular, SIZE, WIDTH - indent);
    const color = style === 'muted' ? MUTED : INK;
    for (const line of lines) {
      if (LINE > this.#room()) {
        this.#newPage();
      }
      if (style === 'quote') {
        this.#page.drawRectangle({ x: MARGIN + 2, y: this.#y - LINE, width: 2.5, height: LINE, color: RULE });
      }
      this.#line(line, MARGIN + indent, this.#fonts.regular, SIZE, color);
      this.#y -= LINE;
    }
    this.#y -= 5;
  }

  #table(headers: readonly string[], rows: readonly (readonly string[])[], widths: readonly number[]): void {
    const regular = widths.map(() => this.#fonts.regular);
    const header: RowStyle = {
      fonts: widths.map(() => this.#fonts.bold),
      widths,
      border: true,
      fill: HEADER_FILL,
      padY: PAD_Y,
    };
    const drawHeader = (): void => this.#row(headers, header);
    // The header with at least one row, or both on the next page.
    if (this.#room() < 2 * (LINE + 2 * PAD_Y) && !this.#atTop()) {
      this.#newPage();
    }
    drawHeader();
    for (const row of rows) {
      this.#row(row, { fonts: regular, widths, border: true, fill: null, padY: PAD_Y }, drawHeader);
    }
    this.#y -= 6;
  }

  /**
   * One row: whole on this page, or whole on the next if it fits on one
   * there; a row taller than a page runs over as many as it needs.
   * `onBreak` draws what each new page starts with (a table's header).
   */
  #row(cells: readonly string[], style: RowStyle, onBreak?: () => void): void {
    const columns = style.widths.map((share) => share * WIDTH);
    const lines = cells.map((cell, i) =>
      wrapText(
        this.drawable(cell),
        style.fonts[i] ?? this.#fonts.regular,
        SIZE,
        (columns[i] ?? 0) - 2 * PAD_X,
      ),
    );
    const total = Math.max(1, ...lines.map((l) => l.length));
    let offset = 0;
    let broke = false;
    const pageBreak = (): void => {
      this.#newPage();
      onBreak?.();
      broke = true;
    };
    while (offset < total) {
      const fit = Math.floor((this.#room() - 2 * style.padY) / LINE);
      const rest = total - offset;
      if (fit < 1 || (fit < rest && !broke && !this.#atTop())) {
        if (broke && fit < 1) {
          throw new Error('a table row cannot fit on an empty page');
        }
        pageBreak();
        continue;
      }
      const take = Math.min(fit, rest);
      this.#rowSlice(lines, columns, style, offset, take);
      offset += take;
      if (offset < total) {
        pageBreak();
      }
    }
  }

  #rowSlice(
    lines: readonly string[][],
    columns: readonly number[],
    style: RowStyle,
    offset: number,
    take: number,
  ): void {
    const height = take * LINE + 2 * style.padY;
    let x = MARGIN;
    columns.forEach((width, i) => {
      if (style.fill !== null || style.border) {
        this.#page.drawRectangle({
          x,
          y: this.#y - height,
          width,
          height,
          ...(style.fill === null ? {} : { color: style.fill }),
          ...(style.border ? { borderColor: RULE, borderWidth: 0.6 } : {}),
        });
      }
      const font = style.fonts[i] ?? this.#fonts.regular;
      let y = this.#y - style.padY;
      for (const line of (lines[i] ?? []).slice(offset, offset + take)) {
        if (line !== '') {
          this.#page.drawText(line, { x: x + PAD_X, y: y - SIZE, size: SIZE, font, color: INK });
        }
        y -= LINE;
      }
      x += width;
    });
    this.#y -= height;
  }

  /** Each page's foot: the printed hash with what it is, and `Page n / N`. */
  drawFooters(hashLine: string, pageLabel: (n: number, total: number) => string): void {
    const size = 7;
    const hash = wrapText(this.drawable(hashLine), this.#fonts.regular, size, WIDTH);
    this.#pages.forEach((page, index) => {
      page.drawLine({
        start: { x: MARGIN, y: BOTTOM - 14 },
        end: { x: MARGIN + WIDTH, y: BOTTOM - 14 },
        thickness: 0.5,
        color: RULE,
      });
      let y = BOTTOM - 24;
      for (const line of hash.slice(0, 3)) {
        page.drawText(line, { x: MARGIN, y, size, font: this.#fonts.regular, color: MUTED });
        y -= size + 2.5;
      }
      const label = this.drawable(pageLabel(index + 1, this.#pages.length));
      const width = this.#fonts.regular.widthOfTextAtSize(label, 8);
      page.drawText(label, {
        x: MARGIN + WIDTH - width,
        y: 22,
        size: 8,
        font: this.#fonts.regular,
        color: MUTED,
      });
    });
  }
}
