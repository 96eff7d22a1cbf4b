import fontkit from '@pdf-lib/fontkit';
import { PDFDocument } from 'pdf-lib';
import type { Proceedings } from '../proceedings.ts';
import { proceedingsToMarkdown } from '../proceedingsMarkdown.ts';
import {
  documentDay,
  documentTitle,
  type ProceedingsFormat,
  type ProceedingsText,
} from '../proceedingsText.ts';
import { makePdfA } from './pdfA.ts';
import { proceedingsBlocks } from './pdfBlocks.ts';
import { PdfLayout } from './pdfLayout.ts';
import { sha256Hex } from './sha256.ts';

/**
 * The procès-verbal as an archival PDF (PDF/A-2b in structure, not validated:
 * see pdfA.ts), made in the browser like the other exports since only a
 * browser can read the minutes. Each page prints the SHA-256 of the
 * document's canonical text, its Markdown export made from the same data at
 * the same moment: whoever holds that text can check it against the paper.
 */

export interface PdfAssets {
  /** DejaVu Sans and DejaVu Sans Bold (TrueType): embedded as subsets. */
  regularFont: Uint8Array;
  boldFont: Uint8Array;
  /** The sRGB ICC profile of the PDF/A output intent. */
  iccProfile: Uint8Array;
}

export interface ProceedingsPdf {
  bytes: Uint8Array;
  /** The canonical text whose hash is printed. */
  markdown: string;
  markdownSha256: string;
  /** The PDF file's own hash, shown to the person who made it. */
  pdfSha256: string;
}

export const PDF_PRODUCER = 'Confidentiel (pdf-lib 1.17.1)';

export async function buildProceedingsPdf(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
  assets: PdfAssets,
): Promise<ProceedingsPdf> {
  const markdown = proceedingsToMarkdown(doc, text, format);
  const markdownSha256 = await sha256Hex(markdown);

  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.registerFontkit(fontkit);
  // Subset tags fixed rather than random: the same document gives the same file.
  const regular = await pdf.embedFont(assets.regularFont, { subset: true, customName: 'PVDJVR+DejaVuSans' });
  const bold = await pdf.embedFont(assets.boldFont, { subset: true, customName: 'PVDJVB+DejaVuSans-Bold' });
  const layout = new PdfLayout(pdf, { regular, bold });
  for (const block of proceedingsBlocks(doc, text, format)) {
    layout.add(block);
  }
  layout.drawFooters(
    `${text.hashLabel}${text.colon}${markdownSha256}`,
    (n, total) => `${text.page} ${n} / ${total}`,
  );
  makePdfA(pdf, {
    title: `${documentTitle(doc, text)} – ${format.date(documentDay(doc))}`,
    language: format.lang,
    createdAt: new Date(doc.generatedAt),
    producer: PDF_PRODUCER,
    creator: 'Confidentiel',
    iccProfile: assets.iccProfile,
    fileId: markdownSha256.slice(0, 32),
  });
  // Classic cross-reference table: readable by the oldest archival tools.
  const bytes = await pdf.save({ useObjectStreams: false });
  return { bytes, markdown, markdownSha256, pdfSha256: await sha256Hex(bytes) };
}
