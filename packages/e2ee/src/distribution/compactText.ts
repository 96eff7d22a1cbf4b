import { utf8, type Bytes } from './bytes.ts';

/**
 * Text as the shorter of UTF-8 (encoding 0) and UTF-16LE (encoding 1), so that the same number of
 * characters of any script fits a sealed message's size bound (CJK text is 3 bytes a character in
 * UTF-8, 2 in UTF-16). The chat (ChatCipher.ts) and the lobby messages use it.
 */
export const ENCODING_UTF8 = 0;
export const ENCODING_UTF16LE = 1;

export function encodeCompactText(text: string): { encoding: number; bytes: Bytes } {
  const asUtf8 = utf8(text);
  if (asUtf8.length <= text.length * 2) {
    return { encoding: ENCODING_UTF8, bytes: asUtf8 };
  }
  const asUtf16 = new Uint8Array(text.length * 2);
  const view = new DataView(asUtf16.buffer);
  for (let i = 0; i < text.length; i++) {
    view.setUint16(i * 2, text.charCodeAt(i), true);
  }
  return { encoding: ENCODING_UTF16LE, bytes: asUtf16 };
}

/** The text, or undefined for an unknown encoding or bytes that are not text in it. */
export function decodeCompactText(encoding: number, bytes: Uint8Array): string | undefined {
  try {
    if (encoding === ENCODING_UTF8) {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    }
    if (encoding === ENCODING_UTF16LE && bytes.length % 2 === 0) {
      return new TextDecoder('utf-16le', { fatal: true }).decode(bytes);
    }
  } catch {
    // fall through: not text
  }
  return undefined;
}
