/** Strict encodings of the journal: lowercase hex, base64url without padding, base64 with padding. */

const HEX_64 = /^[0-9a-f]{64}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX_64.test(value);
}

/**
 * Decodes base64url, `undefined` unless `text` is the one canonical encoding of its bytes
 * (Buffer's decoder alone would accept stray characters and non-zero padding bits).
 */
export function fromBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** Decodes padded base64 (the form `openssl base64 -d` reads), canonical encodings only. */
export function fromBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
