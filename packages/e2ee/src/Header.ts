import { E2eeError } from './E2eeError.ts';

/**
 * The SFrame header of RFC 9605 §4.3:
 *
 * ```
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+---------------------------+---------------------------+
 * |X|  K  |Y|  C  |   KID... (length=XLEN)    |    CTR... (length=CLEN)   |
 * +-+-+-+-+-+-+-+-+---------------------------+---------------------------+
 * ```
 *
 * A value below 8 sits in its 3-bit field (X or Y = 0); a larger one follows the config byte in
 * 1-8 big-endian bytes, and the 3-bit field holds that length minus one (X or Y = 1).
 */
export interface SFrameHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
}

export interface DecodedHeader extends SFrameHeader {
  /** Bytes the header took in the input. */
  readonly byteLength: number;
}

export const MAX_UINT64 = (1n << 64n) - 1n;

/** The longest header: config byte, 8-byte KID, 8-byte CTR. */
export const MAX_HEADER_BYTES = 17;

function checkUint64(name: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT64) {
    throw new TypeError(`${name} must be a bigint in [0, 2^64 - 1]`);
  }
}

/** Bytes a value takes after the config byte: 0 if it fits the 3-bit field, else 1-8. */
function extensionLength(value: bigint): number {
  if (value < 8n) {
    return 0;
  }
  // Compared as numbers: bigint shifts allocate, and this runs twice per frame.
  const high = Number(value >> 32n);
  const n = high === 0 ? Number(value) : high;
  const base = high === 0 ? 0 : 4;
  return base + (n < 0x100 ? 1 : n < 0x1_0000 ? 2 : n < 0x100_0000 ? 3 : 4);
}

/** Size of the header for this KID and CTR. */
export function headerByteLength(kid: bigint, ctr: bigint): number {
  checkUint64('kid', kid);
  checkUint64('ctr', ctr);
  return 1 + extensionLength(kid) + extensionLength(ctr);
}

function writeBigEndian(out: Uint8Array, offset: number, value: bigint, length: number): void {
  if (value <= 0xffff_ffffn) {
    // Fast path without bigint arithmetic per byte: most KIDs and CTRs fit 32 bits.
    let n = Number(value);
    for (let i = length - 1; i >= 0; i--) {
      out[offset + i] = n & 0xff;
      n = Math.floor(n / 256);
    }
    return;
  }
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/**
 * Writes the header at `offset` and returns the number of bytes written. `out` must have room for
 * `headerByteLength(kid, ctr)` bytes.
 */
export function writeHeader(out: Uint8Array, offset: number, kid: bigint, ctr: bigint): number {
  checkUint64('kid', kid);
  checkUint64('ctr', ctr);
  const kidLength = extensionLength(kid);
  const ctrLength = extensionLength(ctr);
  const total = 1 + kidLength + ctrLength;
  if (offset < 0 || offset + total > out.length) {
    throw new TypeError('no room for the SFrame header');
  }
  const kidField = kidLength === 0 ? Number(kid) : 0x8 | (kidLength - 1);
  const ctrField = ctrLength === 0 ? Number(ctr) : 0x8 | (ctrLength - 1);
  out[offset] = (kidField << 4) | ctrField;
  if (kidLength > 0) {
    writeBigEndian(out, offset + 1, kid, kidLength);
  }
  if (ctrLength > 0) {
    writeBigEndian(out, offset + 1 + kidLength, ctr, ctrLength);
  }
  return total;
}

/** Encodes a header with the shortest form for each value, as RFC 9605 does. */
export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(headerByteLength(kid, ctr));
  writeHeader(out, 0, kid, ctr);
  return out;
}

function readBigEndian(data: Uint8Array, offset: number, length: number): bigint {
  if (length <= 6) {
    // 48 bits stay exact in a double: one BigInt conversion instead of one per byte.
    let n = 0;
    for (let i = 0; i < length; i++) {
      n = n * 256 + data[offset + i]!;
    }
    return BigInt(n);
  }
  let value = 0n;
  for (let i = 0; i < length; i++) {
    value = (value << 8n) | BigInt(data[offset + i]!);
  }
  return value;
}

/**
 * Parses a header at `offset`, or returns `undefined` if the input ends inside it. Never throws:
 * this is the form the frame path uses.
 */
export function parseHeader(data: Uint8Array, offset = 0): DecodedHeader | undefined {
  if (offset < 0 || offset >= data.length) {
    return undefined;
  }
  const config = data[offset]!;
  const kidField = config >> 4;
  const ctrField = config & 0xf;
  const kidLength = kidField & 0x8 ? (kidField & 0x7) + 1 : 0;
  const ctrLength = ctrField & 0x8 ? (ctrField & 0x7) + 1 : 0;
  const byteLength = 1 + kidLength + ctrLength;
  if (offset + byteLength > data.length) {
    return undefined;
  }
  const kid = kidLength === 0 ? BigInt(kidField) : readBigEndian(data, offset + 1, kidLength);
  const ctr = ctrLength === 0 ? BigInt(ctrField) : readBigEndian(data, offset + 1 + kidLength, ctrLength);
  return { kid, ctr, byteLength };
}

/** Parses a header at `offset`; a truncated header is an `E2eeError` with reason `malformed`. */
export function decodeHeader(data: Uint8Array, offset = 0): DecodedHeader {
  const header = parseHeader(data, offset);
  if (header === undefined) {
    throw E2eeError.malformed('truncated SFrame header');
  }
  return header;
}
