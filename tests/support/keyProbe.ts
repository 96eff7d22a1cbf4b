import { createHmac } from 'node:crypto';
import { ReceiverKeyRing, ReplayWindow, decryptFrame } from '@confidentiel/e2ee';
import type { CapturedKey } from './meeting.ts';

/**
 * What a captured key could be to whoever holds it, as the base key of
 * `senderIndex`'s frames: the sender's key itself (what the pairwise path
 * hands the worker), or an MLS SFrame epoch secret from which the sender's key
 * is HKDF-Expand(secret, uint32_be(senderIndex), 16) with SHA-256 (RFC 9605
 * §5.2, cipher suite 1). Trying both keeps the probe independent of which form
 * the page hands its worker: it asks only "do these bytes open those frames".
 */
function candidateKeys(key: number[], senderIndex: number): Uint8Array[] {
  const bytes = Uint8Array.from(key);
  const info = Buffer.alloc(5);
  info.writeUInt32BE(senderIndex, 0);
  info[4] = 1; // HKDF-Expand's first block counter: T(1) = HMAC(PRK, info || 0x01)
  const expanded = createHmac('sha256', bytes).update(info).digest().subarray(0, 16);
  return [bytes, new Uint8Array(expanded)];
}

export interface ProbeResult {
  /** Frames at least one of the keys opened. */
  readonly opened: number;
  readonly frames: number;
  /** How many (key, form) candidates were tried. */
  readonly candidates: number;
}

/**
 * How many of `frames` (VP8, one sender) open under any of `keys`, each
 * tried alone (two keys of the same epoch would otherwise collide in one
 * ring), in each of its possible forms. Offline, in Node: what the holder of
 * these bytes could do with frames captured off the wire.
 */
export async function framesOpenedBy(
  frames: readonly Buffer[],
  keys: readonly CapturedKey[],
  senderIndex: number,
): Promise<ProbeResult> {
  const opened = new Set<number>();
  let candidates = 0;
  for (const key of keys) {
    if (key.epoch === undefined) {
      continue;
    }
    for (const candidate of candidateKeys(key.key, senderIndex)) {
      candidates++;
      const ring = new ReceiverKeyRing();
      try {
        await ring.installSender(senderIndex, key.epoch, candidate);
        const replay = new ReplayWindow();
        for (const [i, frame] of frames.entries()) {
          if (!opened.has(i) && (await decryptFrame(ring, replay, 'vp8', new Uint8Array(frame))).ok) {
            opened.add(i);
          }
        }
      } finally {
        ring.close();
      }
    }
  }
  return { opened: opened.size, frames: frames.length, candidates };
}
