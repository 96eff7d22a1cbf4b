import {
  KeyId,
  ReceiverKeyRing,
  ReplayWindow,
  clearPrefixLength,
  decryptFrame,
  parseHeader,
} from '@confidentiel/e2ee';
import type { CapturedKey } from './meeting.ts';

export interface FrameReport {
  frames: number;
  /** Frames whose bytes after the codec's clear prefix start with a well-formed SFrame header. */
  sframeFrames: number;
  senderIndexes: Set<number>;
  kinds: Set<string>;
  epochs: Set<number>;
  /** No (KID, CTR) pair appears twice: a nonce is never reused. */
  ctrUnique: boolean;
}

/** What an operator sees in forwarded VP8 frames: SFrame structure, and nothing it can open. */
export function inspectVp8Frames(frames: Buffer[]): FrameReport {
  const report: FrameReport = {
    frames: frames.length,
    sframeFrames: 0,
    senderIndexes: new Set(),
    kinds: new Set(),
    epochs: new Set(),
    ctrUnique: true,
  };
  const seen = new Set<string>();
  for (const frame of frames) {
    const prefix = clearPrefixLength('vp8', frame);
    const header = prefix === undefined ? undefined : parseHeader(frame, prefix);
    if (!header) {
      continue;
    }
    report.sframeFrames++;
    const fields = KeyId.unpack(header.kid);
    report.senderIndexes.add(fields.senderIndex);
    report.kinds.add(fields.kind);
    report.epochs.add(fields.epoch);
    const pair = `${header.kid}:${header.ctr}`;
    if (seen.has(pair)) {
      report.ctrUnique = false;
    }
    seen.add(pair);
  }
  return report;
}

/** Tries to open each frame with the given captured keys (as their holder could). */
export async function openWith(
  frames: Buffer[],
  keys: CapturedKey[],
  senderIndex: number,
): Promise<{ ok: number; failed: Record<string, number>; plaintextEqualsWire: number }> {
  const ring = new ReceiverKeyRing();
  for (const k of keys) {
    if (k.epoch !== undefined) {
      await ring.installSender(senderIndex, k.epoch, new Uint8Array(k.key)).catch(() => undefined);
    }
  }
  const replay = new ReplayWindow();
  let ok = 0;
  let plaintextEqualsWire = 0;
  const failed: Record<string, number> = {};
  for (const frame of frames) {
    const result = await decryptFrame(ring, replay, 'vp8', new Uint8Array(frame));
    if (result.ok) {
      ok++;
      const prefix = clearPrefixLength('vp8', frame) ?? 0;
      if (
        Buffer.from(result.payload.subarray(prefix)).equals(
          frame.subarray(prefix, prefix + result.payload.length - prefix),
        )
      ) {
        plaintextEqualsWire++;
      }
    } else {
      failed[result.reason] = (failed[result.reason] ?? 0) + 1;
    }
  }
  ring.close();
  return { ok, failed, plaintextEqualsWire };
}

/** Every textual form a key could take in a log line or a JSON message. */
export function keyForms(key: number[]): string[] {
  const bytes = Buffer.from(key);
  return [
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('base64').replace(/=+$/, ''),
    key.join(','),
  ];
}
