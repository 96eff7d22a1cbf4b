import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  agendaItemInputSchema,
  committeeRequests,
  createInviteRequestSchema,
  createMeetingRequestSchema,
  createOrganiserMeetingRequestSchema,
  describeIssue,
  displayNameSchema,
  joinTokenRequestSchema,
  multilineText,
  redeemInviteRequestSchema,
  visibleText,
} from '../src/index.ts';

const SEED = Number(process.env.TEXT_FUZZ_SEED ?? 20_260_704);

/** What the web app, the API and the admin CLI send: a body with a named field. */
const nameBody = z.strictObject({ displayName: displayNameSchema });

function refusal(value: string): string {
  const result = nameBody.safeParse({ displayName: value });
  if (result.success) {
    throw new Error(`${JSON.stringify(value)} was accepted as ${JSON.stringify(result.data.displayName)}`);
  }
  return describeIssue(result.error);
}

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Every code point of the categories refused (Cc, Cf, Zl, Zp), from the
 * JavaScript engine's Unicode tables; the explicit tables below pin the
 * characters the finding names, whatever the tables say.
 */
const REFUSED_CATEGORIES = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u;
const refusedCodePoints: number[] = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp < 0xd800 || cp > 0xdfff) {
    if (REFUSED_CATEGORIES.test(String.fromCodePoint(cp))) {
      refusedCodePoints.push(cp);
    }
  }
}

describe('display names', () => {
  it.each([
    ['Me Durand', 'Me Durand'],
    ['Zoë Lefèvre-Ångström', 'Zoë Lefèvre-Ångström'],
    ['李小龙', '李小龙'],
    ["O'Brien", "O'Brien"],
    ['Dr. A. Ba (avocate)', 'Dr. A. Ba (avocate)'],
    ['Maître Nguyễn Thị Minh Khai', 'Maître Nguyễn Thị Minh Khai'],
    ['محمد الأمين', 'محمد الأمين'],
    ['Ζωή Παπαδοπούλου', 'Ζωή Παπαδοπούλου'],
    // Decomposed accents (e + U+0301): marks are fine next to a letter.
    ['Zoe\u0301', 'Zoe\u0301'],
    ['Jean\u00a0Dupont', 'Jean\u00a0Dupont'],
    ['⚖️', '⚖️'],
    ['Ada 🇫🇷', 'Ada 🇫🇷'],
    ['  Me Durand  ', 'Me Durand'],
    ['x'.repeat(64), 'x'.repeat(64)],
  ])('accepts %j', (name, stored) => {
    expect(displayNameSchema.parse(name)).toBe(stored);
  });

  const c0 = Array.from({ length: 0x20 }, (_, cp) => cp);
  it.each([...c0, 0x7f, 0x85, 0x9b])(
    'refuses %i (a control character) alone, inside and at the end',
    (cp) => {
      const char = String.fromCodePoint(cp);
      for (const name of [char, `Me${char}Durand`, `Me Durand${char}`, `${char}Me Durand`]) {
        expect(refusal(name)).toMatch(
          /^displayName: must (not contain invisible or control|contain a visible)/,
        );
      }
      expect(refusal(`Me${char}Durand`)).toBe(
        `displayName: must not contain invisible or control characters (found ${hex(cp)})`,
      );
    },
  );

  it.each([
    ['U+200B alone', '\u200b', 'U+200B'],
    ['U+200B three times', '\u200b\u200b\u200b', 'U+200B'],
    ['U+200E (left-to-right mark)', 'Me Durand\u200e', 'U+200E'],
    ['U+202E in the middle (right-to-left override)', 'Me Du\u202Erand.pdf', 'U+202E'],
    ['U+2028 (line separator)', 'Me Durand\u2028Admin: ok', 'U+2028'],
    ['U+2029 (paragraph separator)', 'Me\u2029Durand', 'U+2029'],
    ['U+FEFF (byte order mark) first', '\ufeffMe Durand', 'U+FEFF'],
    ['U+2066 (left-to-right isolate)', 'Me \u2066Durand', 'U+2066'],
    ['U+00AD (soft hyphen)', 'Du\u00adrand', 'U+00AD'],
    ['an emoji ZWJ sequence (U+200D)', '👩‍⚖️ Me Durand', 'U+200D'],
    ['a lone surrogate', 'Me \ud800Durand', 'U+D800'],
  ])('refuses %s, naming the character', (_what, name, found) => {
    expect(refusal(name)).toBe(
      `displayName: must not contain invisible or control characters (found ${found})`,
    );
  });

  it.each([
    ['an empty name', ''],
    ['only spaces', '     '],
    ['only no-break and ideographic spaces', '\u00a0\u3000\u2003'],
    ['only combining marks', '\u0301\u0308\u0327'],
    ['a space and combining marks', ' \u0301\u0301 '],
    ['only Hangul fillers', '\u3164\u3164'],
    ['only Braille blanks', '\u2800\u2800'],
  ])('refuses %s: no visible character', (_what, name) => {
    expect(refusal(name)).toBe(
      'displayName: must contain a visible character (a letter, digit, punctuation mark or symbol)',
    );
  });

  it('refuses names over 64 characters once trimmed', () => {
    expect(refusal('x'.repeat(65))).toBe('displayName: must be at most 64 characters');
    expect(displayNameSchema.parse(` ${'x'.repeat(64)} `)).toBe('x'.repeat(64));
  });

  it('refuses any string with a character of the categories Cc, Cf, Zl or Zp, wherever it is', () => {
    expect(refusedCodePoints.length).toBeGreaterThan(200);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom(...refusedCodePoints),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (before, cp, after) => {
          const result = nameBody.safeParse({ displayName: `${before}${String.fromCodePoint(cp)}${after}` });
          expect(result.success).toBe(false);
          expect(result.error && describeIssue(result.error)).toMatch(/^displayName: must /);
        },
      ),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('accepts only names with a visible character and none of the refused categories', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 70 }), (name) => {
        const result = displayNameSchema.safeParse(name);
        const clean = ![...name].some((char) => REFUSED_CATEGORIES.test(char) || /\p{Cs}/u.test(char));
        // Hangul fillers and the Braille blank are letters and symbols that show nothing.
        const visible = /(?![\u115F\u1160\u3164\uFFA0\u2800])[\p{L}\p{N}\p{P}\p{S}]/u.test(name);
        if (result.success) {
          expect(clean && visible).toBe(true);
          expect(result.data).toBe(name.trim());
        } else {
          expect(clean && visible && name.trim().length <= 64).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 5_000 },
    );
  });
});

describe('other text people show to each other', () => {
  const override = 'Budget\u202E2027';

  it.each([
    ['an open meeting title', createMeetingRequestSchema, { title: override }, 'title'],
    [
      "an organiser's meeting title",
      createOrganiserMeetingRequestSchema,
      { title: override, kind: 'meeting', startsAt: 0 },
      'title',
    ],
    [
      'an invite label',
      createInviteRequestSchema,
      { label: override, requirePasscode: false, requireAdmission: false },
      'label',
    ],
    ['a name at an invite', redeemInviteRequestSchema, { displayName: override }, 'displayName'],
    ['a name at an open meeting', joinTokenRequestSchema, { displayName: override }, 'displayName'],
    ['an agenda title', agendaItemInputSchema, { title: override }, 'title'],
    ['an agenda presenter', agendaItemInputSchema, { title: 'Budget', presenter: override }, 'presenter'],
    ['agenda notes', agendaItemInputSchema, { title: 'Budget', notes: `Pièces\n${override}` }, 'notes'],
    ['a motion', committeeRequests.openVote.request, { motion: override, secret: false }, 'motion'],
    [
      'a vote option',
      committeeRequests.openVote.request,
      { motion: 'Budget', options: ['pour', override], secret: false },
      'options.1',
    ],
    [
      'a ballot choice',
      committeeRequests.castVote.request,
      { voteId: 'vote-0001', choice: override },
      'choice',
    ],
  ] as [string, z.ZodType, unknown, string][])(
    'refuses a right-to-left override in %s',
    (_what, schema, body, path) => {
      const result = schema.safeParse(body);
      expect(result.success).toBe(false);
      expect(result.error && describeIssue(result.error)).toBe(
        path === 'notes'
          ? `${path}: must not contain invisible or control characters other than line feeds and tabs (found U+202E)`
          : `${path}: must not contain invisible or control characters (found U+202E)`,
      );
    },
  );

  it('refuses blank titles, presenters and vote options, and an empty presenter (null means none)', () => {
    expect(
      createOrganiserMeetingRequestSchema.safeParse({ title: '\u200b', kind: 'meeting', startsAt: 0 })
        .success,
    ).toBe(false);
    expect(agendaItemInputSchema.safeParse({ title: ' \u0301 ' }).success).toBe(false);
    expect(agendaItemInputSchema.safeParse({ title: 'Budget', presenter: '' }).success).toBe(false);
    expect(agendaItemInputSchema.parse({ title: 'Budget', presenter: null }).presenter).toBeNull();
    expect(
      committeeRequests.openVote.request.safeParse({
        motion: 'Budget',
        options: ['pour', '   '],
        secret: false,
      }).success,
    ).toBe(false);
  });

  it('keeps ordinary titles, motions and notes (line feeds and tabs in notes), trimmed as before', () => {
    expect(createMeetingRequestSchema.parse({ title: '  Conseil de l’ordre  ' })).toEqual({
      title: 'Conseil de l’ordre',
    });
    expect(createMeetingRequestSchema.parse({})).toEqual({});
    expect(
      agendaItemInputSchema.parse({
        title: ' Point 1 : budget 2027 (€) ',
        presenter: 'M. le Trésorier',
        notes: 'Pièces jointes :\n\t- bilan\n\t- annexe',
      }),
    ).toEqual({
      title: 'Point 1 : budget 2027 (€)',
      presenter: 'M. le Trésorier',
      plannedMinutes: 0,
      notes: 'Pièces jointes :\n\t- bilan\n\t- annexe',
    });
    expect(
      committeeRequests.openVote.request.parse({
        motion: 'Adopter le budget 2027 ?',
        options: ['pour', 'contre', 'abstention'],
        secret: true,
      }).motion,
    ).toBe('Adopter le budget 2027 ?');
    expect(multilineText(10).parse('')).toBe('');
    expect(multilineText(10).safeParse('a\r\nb').success).toBe(false);
    expect(visibleText(5).safeParse('abcdef').success).toBe(false);
  });
});
