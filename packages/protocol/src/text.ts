import { z } from 'zod';

/**
 * Text people show to each other (names, titles, motions, vote options,
 * agenda notes), refused when it could hide or disguise what others read.
 *
 * Refused anywhere in what was sent, before trimming (a trailing line break
 * is an error, not silently dropped):
 * - Cc, control characters (C0, DEL, C1 such as U+0085): line breaks that
 *   forge lines in the UI, the journal and the logs;
 * - Cf, format characters: bidi overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069) reverse what follows them; zero-width characters (U+200B,
 *   U+200C, U+2060, U+FEFF) and soft hyphens make two different names look
 *   the same;
 * - Zl, Zp: the line and paragraph separators U+2028 and U+2029;
 * - Cs: lone surrogates, which are not text at all (they turn into U+FFFD on
 *   the way to UTF-8, so what is stored is not what was checked).
 *
 * Emoji ZWJ sequences (e.g. "👩‍⚖️") join their emoji with U+200D, a format
 * character: they are refused with it. A legal service's names and titles do
 * not need them, and an exception for U+200D would let it hide inside names.
 * Single emoji, flags and skin tones (symbols and combining marks) pass. So
 * does every script's ordinary text, but not the zero-width non-joiner
 * (U+200C) some Persian and Indic spellings use: an accepted trade-off.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** The same, except line feed and tab, for text on several lines. */
const INVISIBLE_BUT_LINES = /(?![\t\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * A character others can see: a letter, number, punctuation mark or symbol.
 * Spaces and combining marks alone show nothing; nor do the Hangul fillers
 * and the Braille blank, letters and symbols in name only (a known way to
 * make a "blank" name).
 */
const VISIBLE = /(?![\u115F\u1160\u3164\uFFA0\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/** The first character `pattern` refuses in `text`, as "U+XXXX", or undefined. */
function firstRefused(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  const codePoint = match?.[0].codePointAt(0);
  return codePoint === undefined ? undefined : `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

function refuse(pattern: RegExp, what: string) {
  return (text: string, ctx: z.RefinementCtx<string>): void => {
    const found = firstRefused(text, pattern);
    if (found !== undefined) {
      ctx.addIssue({ code: 'custom', message: `must not contain ${what} (found ${found})`, input: text });
    }
  };
}

/**
 * One line of text shown to others, `max` characters at most once trimmed,
 * with at least one visible character and none of the refused categories
 * (see above). Errors name the field (the issue path) and what is wrong.
 */
export function visibleText(max: number): z.ZodString {
  return z
    .string()
    .superRefine(refuse(INVISIBLE, 'invisible or control characters'))
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(
      (text) => VISIBLE.test(text),
      'must contain a visible character (a letter, digit, punctuation mark or symbol)',
    );
}

/**
 * Text on several lines shown to others (agenda notes): may be empty, kept as
 * sent; line feeds and tabs allowed, the other refused characters not.
 */
export function multilineText(max: number): z.ZodString {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .superRefine(
      refuse(INVISIBLE_BUT_LINES, 'invisible or control characters other than line feeds and tabs'),
    );
}
