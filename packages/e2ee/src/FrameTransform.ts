import { clearPrefixLength, supportedCodec } from './ClearPrefix.ts';
import { E2eeError } from './E2eeError.ts';
import type { DecryptFailureReason, FrameStats } from './FrameStats.ts';
import { parseHeader } from './Header.ts';
import type { ReceiverKeyRing } from './ReceiverKeyRing.ts';
import type { ReplayWindow } from './ReplayWindow.ts';
import type { SenderContext } from './SenderContext.ts';
import { openSFrame, sealSFrame } from './SFrame.ts';

type Bytes = Uint8Array<ArrayBuffer>;

export type DecryptFrameResult =
  | { readonly ok: true; readonly payload: Bytes; readonly kid: bigint; readonly ctr: bigint }
  | { readonly ok: false; readonly reason: DecryptFailureReason; readonly kid?: bigint };

/**
 * Protects one encoded frame: `clearPrefix || SFrame header || ciphertext || tag`, with the clear
 * prefix of the codec (see ClearPrefix.ts) as SFrame metadata. Refuses, never sends in clear:
 * an unsupported codec (`unsupported-codec`), a frame shorter than its clear prefix, which is not
 * a valid frame of its codec (`frame-too-short`), an exhausted CTR or a closed sender. Throws only
 * `E2eeError` (`internal` wraps anything unexpected). The caller drops a refused frame.
 */
export async function encryptFrame(
  sender: SenderContext,
  codec: string,
  payload: Bytes,
  stats?: FrameStats,
): Promise<Bytes> {
  let out: Bytes;
  try {
    out = await seal(sender, codec, payload);
  } catch (error) {
    // The transform sees one error class. A CTR taken by a failed frame is skipped, never reused.
    throw error instanceof E2eeError
      ? error
      : new E2eeError('internal', 'frame encryption failed', { cause: error });
  }
  if (stats !== undefined) {
    stats.encrypted++;
  }
  return out;
}

function seal(sender: SenderContext, codec: string, payload: Bytes): Promise<Bytes> {
  const name = supportedCodec(codec);
  if (name === undefined) {
    throw E2eeError.unsupportedCodec(codec);
  }
  const prefixLength = clearPrefixLength(name, payload);
  if (prefixLength === undefined || payload.length < prefixLength) {
    throw new E2eeError(
      'frame-too-short',
      `a ${payload.length}-byte ${name} frame is shorter than its clear prefix`,
    );
  }
  // Taken synchronously: concurrent frames never share a CTR.
  const { key, ctr } = sender.take();
  return sealSFrame(
    key,
    BigInt(ctr),
    payload.subarray(0, prefixLength),
    payload.subarray(prefixLength),
    true,
  );
}

/**
 * Opens one protected frame. Never throws and never returns unauthenticated bytes: every failure
 * is a `{ ok: false, reason }`, counted in `stats`, and the caller drops the frame. The CTR is
 * recorded in the replay window only after authentication, so forged frames cannot move it.
 */
export async function decryptFrame(
  ring: ReceiverKeyRing,
  replay: ReplayWindow,
  codec: string,
  data: Bytes,
  stats?: FrameStats,
): Promise<DecryptFrameResult> {
  let result: DecryptFrameResult;
  try {
    result = await open(ring, replay, codec, data);
  } catch {
    result = { ok: false, reason: 'internal' };
  }
  if (stats !== undefined) {
    if (result.ok) {
      stats.decrypted++;
    } else {
      stats.dropped[result.reason]++;
    }
  }
  return result;
}

async function open(
  ring: ReceiverKeyRing,
  replay: ReplayWindow,
  codec: string,
  data: Bytes,
): Promise<DecryptFrameResult> {
  const name = supportedCodec(codec);
  if (name === undefined) {
    return { ok: false, reason: 'unsupported-codec' };
  }
  const prefixLength = clearPrefixLength(name, data);
  if (prefixLength === undefined || data.length < prefixLength) {
    return { ok: false, reason: 'malformed' };
  }
  const header = parseHeader(data, prefixLength);
  if (header === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  const { kid, ctr } = header;
  const key = ring.get(kid);
  if (key === undefined) {
    return { ok: false, reason: 'missing-key', kid };
  }
  const bodyOffset = prefixLength + header.byteLength;
  if (data.length - bodyOffset < key.suite.nt) {
    return { ok: false, reason: 'malformed', kid };
  }
  const seen = replay.check(kid, ctr);
  if (seen !== 'fresh') {
    return { ok: false, reason: seen, kid };
  }
  const plaintext = await openSFrame(
    key,
    header,
    data.subarray(prefixLength, bodyOffset),
    data.subarray(0, prefixLength),
    data.subarray(bodyOffset),
  );
  if (plaintext === undefined) {
    return { ok: false, reason: 'bad-tag', kid };
  }
  // Checked again: a copy of this frame may have been opened while this one was.
  const accepted = replay.accept(kid, ctr);
  if (accepted !== 'fresh') {
    return { ok: false, reason: accepted, kid };
  }
  ring.noteUsed(kid);
  if (prefixLength === 0) {
    return { ok: true, payload: new Uint8Array(plaintext), kid, ctr };
  }
  const payload = new Uint8Array(prefixLength + plaintext.byteLength);
  payload.set(data.subarray(0, prefixLength));
  payload.set(new Uint8Array(plaintext), prefixLength);
  return { ok: true, payload, kid, ctr };
}
