import boldFontUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';
import regularFontUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import iccProfileUrl from './sRGB.icc?url';
import type { PdfAssets } from './proceedingsPdf.ts';

/*
 * The fonts and colour profile of the PDF, served by the app itself (same
 * origin: the CSP's connect-src 'self' allows them) and fetched only when
 * someone asks for a PDF: about 1.5 MB the meeting page never loads otherwise.
 */

async function bytesOf(url: string, fetchFn: typeof fetch): Promise<Uint8Array> {
  const response = await fetchFn(url);
  if (!response.ok) {
    throw new Error(`could not load ${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

let loading: Promise<PdfAssets> | null = null;

/** Loads them once per page; a failed load is tried again next time. */
export function loadPdfAssets(fetchFn: typeof fetch = fetch): Promise<PdfAssets> {
  loading ??= Promise.all([
    bytesOf(regularFontUrl, fetchFn),
    bytesOf(boldFontUrl, fetchFn),
    bytesOf(iccProfileUrl, fetchFn),
  ]).then(
    ([regularFont, boldFont, iccProfile]) => ({ regularFont, boldFont, iccProfile }),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}
