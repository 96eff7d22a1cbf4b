import type { Proceedings } from '../proceedings.ts';
import type { ProceedingsFormat, ProceedingsText } from '../proceedingsText.ts';
import { loadPdfAssets } from './pdfAssets.ts';
import { buildProceedingsPdf, type ProceedingsPdf } from './proceedingsPdf.ts';

/**
 * The entry of the PDF chunk: ExportSection imports it dynamically, so pdf-lib,
 * fontkit and the fonts stay out of the meeting page's bundle until asked for.
 */
export async function makeProceedingsPdf(
  doc: Proceedings,
  text: ProceedingsText,
  format: ProceedingsFormat,
): Promise<ProceedingsPdf> {
  return buildProceedingsPdf(doc, text, format, await loadPdfAssets());
}
