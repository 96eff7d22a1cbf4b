import { describe, expect, it } from 'vitest';
import { E2eeError, MAX_UINT64, decodeHeader, encodeHeader, parseHeader } from '../src/index.ts';
import { hex, loadVectors, toHex } from './vectors.ts';

const vectors = loadVectors();

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(E2eeError);
    return (error as E2eeError).reason;
  }
  throw new Error('expected a refusal');
}

describe('SFrame header (RFC 9605 §4.3)', () => {
  it('reads the vectors with kid and ctr exact up to 2^64 - 1', () => {
    expect(vectors.header).toHaveLength(289);
    expect(vectors.header.some((v) => v.kid === MAX_UINT64 && v.ctr === MAX_UINT64)).toBe(true);
  });

  it.each(vectors.header.map((v) => [v.kid, v.ctr, v.encoded] as const))(
    'encodes kid=%s ctr=%s as the RFC vector and decodes it back',
    (kid, ctr, encoded) => {
      expect(toHex(encodeHeader(kid, ctr))).toBe(encoded);
      expect(decodeHeader(hex(encoded))).toEqual({ kid, ctr, byteLength: encoded.length / 2 });
    },
  );

  const edges = [0n, 7n, 8n, 255n, 256n, 65_535n, 65_536n, 2n ** 53n, MAX_UINT64];

  it('round-trips the edge values of KID and CTR in every combination', () => {
    for (const kid of edges) {
      for (const ctr of edges) {
        const bytes = encodeHeader(kid, ctr);
        expect(decodeHeader(bytes)).toEqual({ kid, ctr, byteLength: bytes.length });
      }
    }
  });

  it('keeps values below 8 in the config byte and uses 1-8 extension bytes above', () => {
    expect(toHex(encodeHeader(0n, 0n))).toBe('00');
    expect(toHex(encodeHeader(7n, 7n))).toBe('77');
    expect(toHex(encodeHeader(8n, 0n))).toBe('8008');
    expect(toHex(encodeHeader(0n, 8n))).toBe('0808');
    expect(toHex(encodeHeader(255n, 256n))).toBe('89ff0100');
    expect(toHex(encodeHeader(MAX_UINT64, MAX_UINT64))).toBe('ff' + 'ff'.repeat(16));
  });

  it('decodes a header in the middle of a buffer and ignores what follows', () => {
    const bytes = Uint8Array.from([0xaa, 0xbb, 0x89, 0xff, 0x01, 0x00, 0xcc]);
    expect(decodeHeader(bytes, 2)).toEqual({ kid: 255n, ctr: 256n, byteLength: 4 });
  });

  it('rejects an empty or truncated header with a malformed E2eeError', () => {
    expect(refusal(() => decodeHeader(new Uint8Array(0)))).toBe('malformed');
    const full = encodeHeader(MAX_UINT64, 256n);
    for (let length = 0; length < full.length; length++) {
      expect(parseHeader(full.subarray(0, length))).toBeUndefined();
      expect(refusal(() => decodeHeader(full.subarray(0, length)))).toBe('malformed');
    }
    expect(refusal(() => decodeHeader(full, full.length))).toBe('malformed');
  });

  it('refuses a KID or CTR outside [0, 2^64 - 1] with a TypeError', () => {
    expect(() => encodeHeader(-1n, 0n)).toThrow(TypeError);
    expect(() => encodeHeader(0n, MAX_UINT64 + 1n)).toThrow(TypeError);
    expect(() => encodeHeader(1 as unknown as bigint, 0n)).toThrow(TypeError);
  });
});
