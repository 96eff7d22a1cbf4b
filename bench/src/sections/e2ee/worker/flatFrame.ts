/**
 * encryptFrame / decryptFrame's own steps (the same package functions, the
 * same checks) in one async function each, awaiting WebCrypto once: what the
 * real functions' async layering costs, by difference. Bench only: it skips
 * the real functions' error wrapping and stats.
 */
import { clearPrefixLength, supportedCodec } from '../../../../../packages/e2ee/src/ClearPrefix.ts';
import { headerByteLength, parseHeader, writeHeader } from '../../../../../packages/e2ee/src/Header.ts';
import { computeNonce } from '../../../../../packages/e2ee/src/KeySchedule.ts';
import type { ReceiverKeyRing } from '../../../../../packages/e2ee/src/ReceiverKeyRing.ts';
import type { ReplayWindow } from '../../../../../packages/e2ee/src/ReplayWindow.ts';
import type { SenderContext } from '../../../../../packages/e2ee/src/SenderContext.ts';
import type { Bytes } from './frames.ts';

export async function flatEncrypt(sender: SenderContext, codec: string, payload: Bytes): Promise<Bytes> {
  const name = supportedCodec(codec);
  const prefix = name === undefined ? undefined : clearPrefixLength(name, payload);
  if (prefix === undefined || payload.length < prefix) {
    throw new Error('bad frame');
  }
  const { key, ctr } = sender.take();
  const bigCtr = BigInt(ctr);
  const headerLength = headerByteLength(key.kid, bigCtr);
  const aad = new Uint8Array(headerLength + prefix);
  writeHeader(aad, 0, key.kid, bigCtr);
  aad.set(payload.subarray(0, prefix), headerLength);
  const sealed = await key.aead.seal(computeNonce(key.salt, bigCtr), aad, payload.subarray(prefix));
  const out = new Uint8Array(prefix + headerLength + sealed.byteLength);
  out.set(aad.subarray(headerLength));
  out.set(aad.subarray(0, headerLength), prefix);
  out.set(new Uint8Array(sealed), prefix + headerLength);
  return out;
}

export async function flatDecrypt(
  ring: ReceiverKeyRing,
  replay: ReplayWindow,
  codec: string,
  data: Bytes,
): Promise<Bytes | null> {
  const name = supportedCodec(codec);
  const prefix = name === undefined ? undefined : clearPrefixLength(name, data);
  if (prefix === undefined || data.length < prefix) {
    return null;
  }
  const header = parseHeader(data, prefix);
  const key = header === undefined ? undefined : ring.get(header.kid);
  if (header === undefined || key === undefined || replay.check(header.kid, header.ctr) !== 'fresh') {
    return null;
  }
  const body = prefix + header.byteLength;
  const aad = new Uint8Array(header.byteLength + prefix);
  aad.set(data.subarray(prefix, body));
  aad.set(data.subarray(0, prefix), header.byteLength);
  const plaintext = await key.aead.open(computeNonce(key.salt, header.ctr), aad, data.subarray(body));
  if (plaintext === undefined || replay.accept(header.kid, header.ctr) !== 'fresh') {
    return null;
  }
  ring.noteUsed(header.kid);
  const payload = new Uint8Array(prefix + plaintext.byteLength);
  payload.set(data.subarray(0, prefix));
  payload.set(new Uint8Array(plaintext), prefix);
  return payload;
}
