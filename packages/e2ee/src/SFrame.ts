import { headerByteLength, parseHeader, writeHeader, type DecodedHeader } from './Header.ts';
import { computeNonce, type KeyMaterial } from './KeySchedule.ts';

type Bytes = Uint8Array<ArrayBuffer>;

/** Why an SFrame ciphertext did not open. */
export type OpenFailure = 'malformed' | 'missing-key' | 'bad-tag';

export type SFrameDecryptResult =
  | { readonly ok: true; readonly kid: bigint; readonly ctr: bigint; readonly plaintext: Bytes }
  | { readonly ok: false; readonly reason: OpenFailure; readonly kid?: bigint };

/**
 * Seals `plaintext` under `key` and CTR with AAD = header || metadata (§4.4.3). The output is
 * `lead || header || ciphertext || tag`, with `lead` the metadata itself when `metadataInClear`
 * (the frame layout, where the metadata is the codec's clear prefix) and nothing otherwise (the
 * RFC's SFrame ciphertext). One output allocation; the plaintext is read in place.
 */
export async function sealSFrame(
  key: KeyMaterial,
  ctr: bigint,
  metadata: Bytes,
  plaintext: Bytes,
  metadataInClear: boolean,
): Promise<Bytes> {
  const headerLength = headerByteLength(key.kid, ctr);
  const aad = new Uint8Array(headerLength + metadata.length);
  writeHeader(aad, 0, key.kid, ctr);
  aad.set(metadata, headerLength);
  const sealed = await key.aead.seal(computeNonce(key.salt, ctr), aad, plaintext);
  const lead = metadataInClear ? metadata.length : 0;
  const out = new Uint8Array(lead + headerLength + sealed.byteLength);
  if (metadataInClear) {
    out.set(metadata);
  }
  out.set(aad.subarray(0, headerLength), lead);
  out.set(new Uint8Array(sealed), lead + headerLength);
  return out;
}

/**
 * Opens the ciphertext that follows a parsed header. The AAD uses the header bytes as received,
 * not re-encoded, so any change to them fails authentication. `undefined` means a bad tag.
 */
export async function openSFrame(
  key: KeyMaterial,
  header: DecodedHeader,
  headerBytes: Bytes,
  metadata: Bytes,
  ciphertext: Bytes,
): Promise<ArrayBuffer | undefined> {
  if (ciphertext.length < key.suite.nt) {
    return undefined;
  }
  const aad = new Uint8Array(headerBytes.length + metadata.length);
  aad.set(headerBytes);
  aad.set(metadata, headerBytes.length);
  return key.aead.open(computeNonce(key.salt, header.ctr), aad, ciphertext);
}

/** RFC 9605 §4.4.3 encrypt: returns header || ciphertext || tag. */
export function sframeEncrypt(
  key: KeyMaterial,
  ctr: bigint,
  metadata: Bytes,
  plaintext: Bytes,
): Promise<Bytes> {
  return sealSFrame(key, ctr, metadata, plaintext, false);
}

/**
 * RFC 9605 §4.4.4 decrypt of `header || ciphertext || tag`, with the key looked up by KID. Never
 * throws for bad input: a truncated header is `malformed`, an unknown KID `missing-key`, and a
 * failed authentication `bad-tag`.
 */
export async function sframeDecrypt(
  keyFor: (kid: bigint) => KeyMaterial | undefined,
  metadata: Bytes,
  data: Bytes,
): Promise<SFrameDecryptResult> {
  const header = parseHeader(data);
  if (header === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  const key = keyFor(header.kid);
  if (key === undefined) {
    return { ok: false, reason: 'missing-key', kid: header.kid };
  }
  const plaintext = await openSFrame(
    key,
    header,
    data.subarray(0, header.byteLength),
    metadata,
    data.subarray(header.byteLength),
  );
  if (plaintext === undefined) {
    return { ok: false, reason: 'bad-tag', kid: header.kid };
  }
  return { ok: true, kid: header.kid, ctr: header.ctr, plaintext: new Uint8Array(plaintext) };
}
