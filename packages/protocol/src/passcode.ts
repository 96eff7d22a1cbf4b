import { z } from 'zod';

/**
 * Invite passcodes as people type them. The organiser reads "12 34 56 78" or
 * "12-34-56-78" over the phone, or a French number style "12.34.56.78"; the
 * guest types it back the same way, maybe from a phone keyboard that puts
 * full-width digits or a no-break space. One rule, used by the web app before
 * sending and by the server when checking: the person is never told that a
 * passcode they typed correctly is wrong.
 */

/** Longest input looked at (digits plus separators); a longer one is refused as it is. */
export const PASSCODE_INPUT_MAX = 64;

/** Passcodes are 6 to 12 digits once the separators are gone (the server makes 8). */
const PASSCODE_DIGITS = /^\d{6,12}$/;

/** Spaces of every kind, dashes of every kind (and the minus sign), dots and slashes. */
const SEPARATORS = /[\s\u00a0\u202f\u2010-\u2015\u2212\-./]/gu;

/** The passcode's digits: NFKC folds full-width digits and odd spaces, then separators go. */
export function normalisePasscode(input: string): string {
  return input.normalize('NFKC').replace(SEPARATORS, '');
}

/** Whether the input is a passcode once normalised (the server checks the same). */
export function isWellFormedPasscode(input: string): boolean {
  return input.length <= PASSCODE_INPUT_MAX && PASSCODE_DIGITS.test(normalisePasscode(input));
}

/** A passcode handed over another way (phone, SMS): as typed, normalised to its 6 to 12 digits. */
export const passcodeSchema = z
  .string()
  .max(PASSCODE_INPUT_MAX, 'a passcode is 6 to 12 digits')
  .transform(normalisePasscode)
  .pipe(z.string().regex(PASSCODE_DIGITS, 'a passcode is 6 to 12 digits'));
