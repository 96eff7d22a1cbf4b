import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** RFC 9605 Appendix C vectors, kept in shared/ beside the repository (never copied into it). */
const VECTORS_PATH = fileURLToPath(
  new URL('../../../../shared/data/sframe/rfc9605-test-vectors.json', import.meta.url),
);

export interface HeaderVector {
  kid: bigint;
  ctr: bigint;
  encoded: string;
}

export interface AesCtrHmacVector {
  cipher_suite: number;
  key: string;
  enc_key: string;
  auth_key: string;
  nonce: string;
  aad: string;
  pt: string;
  ct: string;
}

export interface SFrameVector {
  cipher_suite: number;
  kid: bigint;
  ctr: bigint;
  base_key: string;
  sframe_key_label: string;
  sframe_salt_label: string;
  sframe_secret: string;
  sframe_key: string;
  sframe_salt: string;
  metadata: string;
  nonce: string;
  aad: string;
  pt: string;
  ct: string;
}

export interface Vectors {
  header: HeaderVector[];
  aes_ctr_hmac: AesCtrHmacVector[];
  sframe: SFrameVector[];
}

/**
 * Parses the vectors with every `kid` and `ctr` as a bigint, read from the source text: plain
 * JSON.parse rounds 18446744073709551615 to 2^64. Other numbers (cipher suite ids) stay numbers.
 */
export function loadVectors(): Vectors {
  const text = readFileSync(VECTORS_PATH, 'utf8');
  const bigintKeys = new Set(['kid', 'ctr']);
  return JSON.parse(text, (key: string, value: unknown, context?: { source?: string }) => {
    if (bigintKeys.has(key) && typeof value === 'number') {
      if (context?.source === undefined) {
        throw new Error('JSON.parse source text access is required to read the vectors exactly');
      }
      return BigInt(context.source);
    }
    return value;
  }) as Vectors;
}

export function hex(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(text)) {
    throw new TypeError(`not hex: ${text}`);
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('hex');
}
