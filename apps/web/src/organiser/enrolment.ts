/**
 * The enrolment link is `/inscription#t=<token>`: the token stays in the
 * fragment, out of server and proxy logs, and the page removes it from the
 * address bar (and so from the history) as soon as it has read it.
 */
export const ENROLMENT_TOKEN_PARAM = 't';

/** The token of `#t=<token>`, or null. Its format is the server's business. */
export function readEnrolmentToken(hash: string): string | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  let value: string | null;
  try {
    value = new URLSearchParams(text).get(ENROLMENT_TOKEN_PARAM);
  } catch {
    return null;
  }
  return value !== null && /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : null;
}

/** A base32 TOTP secret as people copy it by hand: groups of 4, padding dropped. */
export function groupSecret(secret: string): string {
  return (secret.replace(/=+$/, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** The 12-character minimum of `passwordSchema`; long passphrases are welcome. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblem = 'too-short' | 'too-long' | 'mismatch';

/** What is wrong with a new password and its confirmation, or null. */
export function passwordProblem(password: string, confirmation: string): PasswordProblem | null {
  // Counted in characters as people see them, not UTF-16 units.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return 'too-short';
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return 'too-long';
  }
  return password === confirmation ? null : 'mismatch';
}
