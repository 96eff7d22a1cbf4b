import { MAX_CHAT_CIPHERTEXT_CHARS } from '@confidentiel/protocol';
import { MAX_KEY_EPOCH } from '../KeyId.ts';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { concatBytes, utf8, type Bytes } from './bytes.ts';
import { decodeCompactText, encodeCompactText } from './compactText.ts';
import { IV_BYTES, SIGNATURE_BYTES } from './Envelope.ts';

/**
 * Sealed chat messages, broadcast by signaling to the room.
 *
 * ```
 * chat      = version (1) = 0x01 || encoding (1) || epoch (8, big-endian) || iv (12)
 *             || AES-GCM-128(text, AAD = "confidentiel chat v1" || len(from) || from || version || encoding || epoch)
 *             || signature (64)
 * signature = ECDSA-P256-SHA256(sender's sign key, "confidentiel chat signature v1" || 0x00 || len(from) || from || chat without signature)
 * ```
 *
 * The AES-GCM key is derived from the sender key of `epoch` (see `deriveChatKey`). The text is
 * UTF-8 (encoding 0) or UTF-16LE (encoding 1), whichever is shorter, so that 4000 characters of
 * any script fit MAX_CHAT_CIPHERTEXT_CHARS.
 */
export const CHAT_VERSION = 1;
/** Longest chat text, in UTF-16 code units (JavaScript string length). */
export const MAX_CHAT_TEXT_LENGTH = 4_000;

const AAD_LABEL = 'confidentiel chat v1';
const SIGNATURE_CONTEXT = 'confidentiel chat signature v1';
const HEADER_BYTES = 1 + 1 + 8;
const TAG_BYTES = 16;
const ECDSA = { name: 'ECDSA', hash: 'SHA-256' } as const;

function fromId(from: string): Bytes {
  const bytes = utf8(from);
  if (bytes.length === 0 || bytes.length > 255) {
    throw new TypeError('member ids must have 1 to 255 bytes');
  }
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

function aad(from: string, header: Uint8Array): Bytes {
  return concatBytes(utf8(AAD_LABEL), fromId(from), header);
}

function signedBytes(from: string, body: Uint8Array): Bytes {
  return concatBytes(utf8(SIGNATURE_CONTEXT), Uint8Array.of(0), fromId(from), body);
}

export async function sealChatMessage(args: {
  readonly from: string;
  readonly epoch: number;
  readonly key: WebCryptoKey;
  readonly signingKey: WebCryptoKey;
  readonly iv: Uint8Array;
  readonly text: string;
}): Promise<string> {
  const { encoding, bytes } = encodeCompactText(args.text);
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = CHAT_VERSION;
  header[1] = encoding;
  const view = new DataView(header.buffer);
  view.setUint32(2, Math.floor(args.epoch / 0x1_0000_0000));
  view.setUint32(6, args.epoch >>> 0);
  const iv = Uint8Array.from(args.iv);
  const ciphertext = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad(args.from, header) }, args.key, bytes),
  );
  bytes.fill(0);
  const body = concatBytes(header, iv, ciphertext);
  const signature = new Uint8Array(await subtle().sign(ECDSA, args.signingKey, signedBytes(args.from, body)));
  return toBase64url(concatBytes(body, signature));
}

export interface ParsedChat {
  readonly encoding: number;
  readonly epoch: number;
  readonly header: Bytes;
  readonly iv: Bytes;
  readonly ciphertext: Bytes;
  readonly body: Bytes;
  readonly signature: Bytes;
}

export function parseChat(text: unknown): ParsedChat | undefined {
  if (typeof text !== 'string' || text.length > MAX_CHAT_CIPHERTEXT_CHARS) {
    return undefined;
  }
  const bytes = fromBase64url(text);
  if (bytes === undefined || bytes.length < HEADER_BYTES + IV_BYTES + TAG_BYTES + SIGNATURE_BYTES) {
    return undefined;
  }
  if (bytes[0] !== CHAT_VERSION) {
    return undefined;
  }
  const view = new DataView(bytes.buffer);
  const epoch = view.getUint32(2) * 0x1_0000_0000 + view.getUint32(6);
  if (epoch > MAX_KEY_EPOCH) {
    return undefined;
  }
  const bodyEnd = bytes.length - SIGNATURE_BYTES;
  return {
    encoding: bytes[1]!,
    epoch,
    header: bytes.slice(0, HEADER_BYTES),
    iv: bytes.slice(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
    ciphertext: bytes.slice(HEADER_BYTES + IV_BYTES, bodyEnd),
    body: bytes.slice(0, bodyEnd),
    signature: bytes.slice(bodyEnd),
  };
}

export async function verifyChat(from: string, chat: ParsedChat, verifyKey: WebCryptoKey): Promise<boolean> {
  try {
    return await subtle().verify(ECDSA, verifyKey, chat.signature, signedBytes(from, chat.body));
  } catch {
    return false;
  }
}

export type OpenedChat =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'undecryptable' | 'malformed' };

/** Decrypts a chat whose signature has been verified. */
export async function openChatMessage(
  from: string,
  chat: ParsedChat,
  key: WebCryptoKey,
): Promise<OpenedChat> {
  let plaintext: Bytes;
  try {
    plaintext = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: chat.iv, additionalData: aad(from, chat.header) },
        key,
        chat.ciphertext,
      ),
    );
  } catch {
    return { ok: false, reason: 'undecryptable' };
  }
  const text = decodeCompactText(chat.encoding, plaintext);
  plaintext.fill(0);
  return text === undefined ? { ok: false, reason: 'malformed' } : { ok: true, text };
}
