import { randomInt } from 'node:crypto';

/** Digits of a passcode the server makes: 10^8 choices, guessed 5 at a time per 15 minutes at most. */
export const PASSCODE_DIGITS = 8;

/** A fresh passcode, uniform over every 8-digit string (leading zeros kept). */
export function newPasscode(random: (max: number) => number = randomInt): string {
  return String(random(10 ** PASSCODE_DIGITS)).padStart(PASSCODE_DIGITS, '0');
}
