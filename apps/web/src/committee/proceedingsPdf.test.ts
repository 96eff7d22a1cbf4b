import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fr from '../i18n/committee.fr.json';
import en from '../i18n/committee.en.json';
import { buildProceedings, type ProceedingsInput } from './proceedings.ts';
import { proceedingsToMarkdown } from './proceedingsMarkdown.ts';
import { proceedingsFormat, type ProceedingsText } from './proceedingsText.ts';
import { buildProceedingsPdf, type PdfAssets } from './pdf/proceedingsPdf.ts';
import { sha256Hex } from './pdf/sha256.ts';
import { committeeState, floorHistory, MEETING, MIN, result, T0 } from './testFixtures.ts';

/*
 * The PDF as a reader gets it: built from fixtures in Node, its text extracted
 * by Debian's pdftotext (poppler), an independent reader.
 */

const require = createRequire(import.meta.url);
const fontDir = join(require.resolve('dejavu-fonts-ttf/package.json'), '..', 'ttf');
const assets: PdfAssets = {
  regularFont: readFileSync(join(fontDir, 'DejaVuSans.ttf')),
  boldFont: readFileSync(join(fontDir, 'DejaVuSans-Bold.ttf')),
  iccProfile: readFileSync(new URL('./pdf/sRGB.icc', import.meta.url)),
};
const text: ProceedingsText = fr.document;
const format = proceedingsFormat('fr', 'UTC');
const work = mkdtempSync(join(tmpdir(), 'proces-verbal-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let files = 0;
/** pdftotext's reading of `bytes` (`-layout` keeps table rows on one line). */
function extract(bytes: Uint8Array, ...options: string[]): string {
  const file = join(work, `doc-${++files}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', [...options, '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

/** pdfinfo's report, XMP metadata included, and pdffonts' list of fonts. */
function pdfInfo(bytes: Uint8Array): { info: string; fonts: string } {
  const file = join(work, `info-${++files}.pdf`);
  writeFileSync(file, bytes);
  const run = (tool: string, ...args: string[]): string =>
    execFileSync(tool, [...args, file], { encoding: 'utf8' });
  return { info: run('pdfinfo') + run('pdfinfo', '-meta'), fonts: run('pdffonts') };
}

/** Whitespace made single spaces: pdftotext's columns and line ends vary. */
const flat = (s: string): string => s.replace(/\s+/g, ' ');

function input(patch: Partial<ProceedingsInput> = {}): ProceedingsInput {
  const state = committeeState({
    results: [result()],
    minutes: { itemBudget000001: { revision: 2, sha256: 'aa' } },
    floor: { speaker: null, since: null, queue: [], history: floorHistory() },
  });
  state.attendance[2]!.leftAt = T0 + 30 * MIN;
  return {
    meetingId: 'MeetingMeetingMeeting1',
    meeting: MEETING,
    state,
    minutes: new Map([
      [
        'itemBudget000001',
        { revision: 2, text: 'Le budget est présenté.\nDébat nourri sur les crédits « énergie ».' },
      ],
    ]),
    names: new Map(),
    generatedAt: T0 + 40 * MIN,
    ...patch,
  };
}

describe('the procès-verbal as PDF', () => {
  it('names the meeting by its title and date and carries attendance, floor, vote and minutes', async () => {
    const made = await buildProceedingsPdf(buildProceedings(input()), text, format, assets);
    const page = flat(extract(made.bytes, '-layout'));
    expect(page).toContain('Procès-verbal de séance – Commission des finances');
    expect(page).toContain('Date samedi 14 mars 2026');
    expect(page).toContain('Prévue le 14 mars 2026 à 09:00');
    expect(page).toContain('Séance tenue 14 mars 2026 à 09:00 – en cours');
    // Attendance: names, roles, arrival and departure.
    expect(page).toMatch(/Claire Président Présidence 09:00:00 – en séance/);
    expect(page).toMatch(/Marc Membre Membre 09:02:00 – 09:30:00/);
    expect(page).toMatch(/Olga Observatrice Observateur 09:03:00 – en séance/);
    // The floor given, on the item and outside the agenda.
    expect(page).toMatch(/Marc Membre 09:12:00 – 09:13:30 1 min 30 s/);
    expect(page).toMatch(/Claire Président 09:14:00 – 09:14:30 30 s/);
    expect(page).toContain('Parole donnée hors ordre du jour');
    expect(page).toMatch(/Sophie Secrétaire 09:06:00 – 09:07:00 1 min/);
    // The vote: question, options with counts, quorum, result, open ballots' names.
    expect(page).toContain('Motion – Approuver le budget');
    expect(page).toMatch(/Quorum 2 \(atteint\)/);
    expect(page).toMatch(/Pour 2 Contre 1 Abstention 0/);
    expect(page).toMatch(/Décision Adoptée/);
    expect(page).toMatch(/Marc Membre Contre/);
    // The minutes, accents and quotes intact.
    expect(page).toContain('Le budget est présenté.');
    expect(page).toContain('Débat nourri sur les crédits « énergie ».');
    // The id only as a reference line.
    expect(page).toContain('Référence de la réunion MeetingMeetingMeeting1');
  });

  it('prints on every page the SHA-256 of the Markdown export, which anyone can recompute', async () => {
    const doc = buildProceedings(input());
    const made = await buildProceedingsPdf(doc, text, format, assets);
    const markdown = proceedingsToMarkdown(doc, text, format);
    expect(made.markdown).toBe(markdown);
    const expected = await sha256Hex(markdown);
    expect(made.markdownSha256).toBe(expected);
    const pages = extract(made.bytes)
      .split('\f')
      .filter((p) => p.trim() !== '');
    for (const page of pages) {
      expect(flat(page)).toContain(`SHA-256 du procès-verbal au format Markdown : ${expected}`);
    }
    expect(made.pdfSha256).toBe(await sha256Hex(made.bytes));

    // Negative control: another document's hash is not this one's, and is not printed here.
    const other = buildProceedings(input({ generatedAt: T0 + 41 * MIN }));
    const otherHash = await sha256Hex(proceedingsToMarkdown(other, text, format));
    expect(otherHash).not.toBe(expected);
    expect(extract(made.bytes)).not.toContain(otherHash);
  });

  it('leaves out minutes it does not have and says so', async () => {
    const made = await buildProceedingsPdf(
      buildProceedings(input({ minutes: new Map() })),
      text,
      format,
      assets,
    );
    const page = flat(extract(made.bytes));
    expect(page).not.toContain('Le budget est présenté.');
    expect(page).toContain(flat(fr.document.sealedMinutes));
  });

  it('wraps long minutes over several pages without losing or cutting a word', async () => {
    const sentences = Array.from(
      { length: 400 },
      (_, i) => `Phrase numéro ${i + 1} du compte rendu, assez longue pour revenir à la ligne.`,
    );
    const long = `${sentences.join(' ')}\n${'x'.repeat(300)}`;
    const made = await buildProceedingsPdf(
      buildProceedings(input({ minutes: new Map([['itemBudget000001', { revision: 2, text: long }]]) })),
      text,
      format,
      assets,
    );
    const raw = extract(made.bytes);
    const pages = raw.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThanOrEqual(4);
    const all = flat(raw);
    for (const n of [1, 137, 400]) {
      expect(all).toContain(`Phrase numéro ${n} du compte rendu`);
    }
    // A word longer than a line is cut into pieces, none lost.
    expect(raw.replace(/\s+/g, '')).toContain('x'.repeat(300));
    for (const [i, page] of pages.entries()) {
      expect(flat(page)).toContain(`Page ${i + 1} / ${pages.length}`);
    }
    // Nothing drawn beyond the page: poppler's bounding boxes stay inside A4.
    const file = join(work, 'bbox.html');
    writeFileSync(join(work, 'long.pdf'), made.bytes);
    execFileSync('pdftotext', ['-bbox', join(work, 'long.pdf'), file]);
    const boxes = [
      ...readFileSync(file, 'utf8').matchAll(
        /xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"/g,
      ),
    ];
    expect(boxes.length).toBeGreaterThan(1000);
    for (const [, xMin, yMin, xMax, yMax] of boxes) {
      expect(Number(xMin)).toBeGreaterThanOrEqual(56);
      expect(Number(xMax)).toBeLessThanOrEqual(595.28 - 56);
      expect(Number(yMin)).toBeGreaterThanOrEqual(50);
      expect(Number(yMax)).toBeLessThanOrEqual(841.89 - 20);
    }
  });

  it('is a PDF/A-2b in structure: metadata, language, output intent, embedded subset fonts', async () => {
    const made = await buildProceedingsPdf(
      buildProceedings(input()),
      en.document,
      proceedingsFormat('en', 'UTC'),
      assets,
    );
    const { info, fonts } = pdfInfo(made.bytes);
    expect(info).toMatch(
      /Title: +Minutes of the meeting – Commission des finances – Saturday, March 14, 2026\n/,
    );
    expect(info).toMatch(/Producer: +Confidentiel \(pdf-lib 1\.17\.1\)\n/);
    expect(info).toMatch(/Encrypted: +no\n/);
    expect(info).toMatch(/Page size: +595\.28 x 841\.89 pts \(A4\)/);
    expect(info).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(info).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(info).toMatch(/CreationDate: +Sat Mar 14 09:40:00 2026 UTC/);
    expect(info).toContain('<xmp:CreateDate>2026-03-14T09:40:00Z</xmp:CreateDate>');
    const raw = Buffer.from(made.bytes).toString('latin1');
    expect(raw).toContain('/Lang (en)');
    expect(raw).toMatch(/\/S \/GTS_PDFA1/);
    expect(raw).not.toMatch(/\/Encrypt|\/JavaScript|\/JS\b/);
    expect(fonts).toMatch(/PVDJVR\+DejaVuSans +CID TrueType +Identity-H +yes +yes +yes/);
    expect(fonts).toMatch(/PVDJVB\+DejaVuSans-Bold +CID TrueType +Identity-H +yes +yes +yes/);
    expect(made.bytes.length).toBeLessThan(200_000);
    expect(flat(extract(made.bytes))).toContain('Minutes of the meeting – Commission des finances');
  });

  it('draws only what the font has: a missing glyph shows as U+FFFD, controls are dropped', async () => {
    const minutes = new Map([['itemBudget000001', { revision: 2, text: 'Vote\u0007 acquis\u200b 🎉\tfin' }]]);
    const made = await buildProceedingsPdf(buildProceedings(input({ minutes })), text, format, assets);
    const page = extract(made.bytes);
    expect(page).toContain('Vote acquis \ufffd');
    expect(page).not.toContain('🎉');
    expect(page).not.toContain('\u0007');
    // The Markdown, the canonical text, keeps what was typed.
    expect(made.markdown).toContain('🎉');
  });

  it('gives the same file for the same document', async () => {
    const doc = buildProceedings(input());
    const a = await buildProceedingsPdf(doc, text, format, assets);
    const b = await buildProceedingsPdf(doc, text, format, assets);
    expect(a.pdfSha256).toBe(b.pdfSha256);
  });
});
