import { PDFHexString, PDFName, PDFString, type PDFDocument } from 'pdf-lib';

/*
 * What makes the procès-verbal a PDF/A-2b in structure (ISO 19005-2, level B):
 * the document information and the same facts as XMP metadata (uncompressed)
 * with its pdfaid part and conformance, an sRGB OutputIntent with its ICC
 * profile embedded, a file identifier. The rest is in how the file is made
 * (proceedingsPdf.ts): every font embedded (DejaVu Sans, subset, no .notdef
 * drawn), colours in DeviceRGB under that intent, no encryption, no
 * JavaScript, no annotation, no transparency.
 *
 * PDF/A-2b structure, not validated: no validator (veraPDF) runs here.
 */

export interface PdfAFacts {
  title: string;
  /** BCP 47: `fr`, `en`. */
  language: string;
  /** The document's date: creation and modification alike (the file is made once). */
  createdAt: Date;
  producer: string;
  creator: string;
  /** The sRGB profile (ICC) of the output intent. */
  iccProfile: Uint8Array;
  /** 32 hex digits: the file identifier (from the content's hash, so the same content gives the same id). */
  fileId: string;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `2026-03-14T09:40:00Z`: seconds, like the information dictionary's dates. */
function xmpDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The XMP packet of the document. The `http://…` strings are XML namespace names that XMP and
 * PDF/A require verbatim: identifiers inside the file, never fetched by the browser or a reader.
 */
export function xmpMetadata(facts: PdfAFacts): string {
  const date = xmpDate(facts.createdAt);
  const title = escapeXml(facts.title);
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${title}</rdf:li></rdf:Alt></dc:title>
<dc:language><rdf:Bag><rdf:li>${escapeXml(facts.language)}</rdf:li></rdf:Bag></dc:language>
<xmp:CreateDate>${date}</xmp:CreateDate>
<xmp:ModifyDate>${date}</xmp:ModifyDate>
<xmp:MetadataDate>${date}</xmp:MetadataDate>
<xmp:CreatorTool>${escapeXml(facts.creator)}</xmp:CreatorTool>
<pdf:Producer>${escapeXml(facts.producer)}</pdf:Producer>
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** Sets the information dictionary, XMP metadata, output intent and file identifier of `pdf`. */
export function makePdfA(pdf: PDFDocument, facts: PdfAFacts): void {
  if (!/^[0-9a-f]{32}$/.test(facts.fileId)) {
    throw new Error('the file identifier must be 32 hex digits');
  }
  pdf.setTitle(facts.title, { showInWindowTitleBar: true });
  pdf.setLanguage(facts.language);
  pdf.setProducer(facts.producer);
  pdf.setCreator(facts.creator);
  pdf.setCreationDate(facts.createdAt);
  pdf.setModificationDate(facts.createdAt);

  const { context, catalog } = pdf;
  const metadata = context.stream(new TextEncoder().encode(xmpMetadata(facts)), {
    Type: 'Metadata',
    Subtype: 'XML',
  });
  catalog.set(PDFName.of('Metadata'), context.register(metadata));

  const profile = context.flateStream(facts.iccProfile, { N: 3 });
  const intent = context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of('sRGB IEC61966-2.1'),
    Info: PDFString.of('sRGB IEC61966-2.1'),
    DestOutputProfile: context.register(profile),
  });
  catalog.set(PDFName.of('OutputIntents'), context.obj([context.register(intent)]));

  const id = PDFHexString.of(facts.fileId);
  context.trailerInfo.ID = context.obj([id, id]);
}
