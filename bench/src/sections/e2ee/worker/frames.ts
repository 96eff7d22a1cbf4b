/** Frames and helpers shared by the benchmark worker's modules. */

export type Bytes = Uint8Array<ArrayBuffer>;

export interface FrameCase {
  id: string;
  bytes: number;
  codec: 'opus' | 'vp8';
  /** VP8: key frame (10 clear bytes) or delta frame (3). */
  keyFrame: boolean;
}

/** Random bytes of the case's size, with the VP8 frame tag's key-frame bit set as the case says. */
export function frameOf(c: FrameCase): Bytes {
  const frame = new Uint8Array(c.bytes);
  crypto.getRandomValues(frame.subarray(0, Math.min(c.bytes, 65_536)));
  if (c.codec === 'vp8') {
    // Frame tag bit 0: 0 for a key frame, 1 for a delta frame (ClearPrefix.ts reads it).
    frame[0] = c.keyFrame ? (frame[0] as number) & 0xfe : (frame[0] as number) | 0x01;
  }
  return frame;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** µs per frame of `n` sequential calls of `step(i)`. */
export async function timeBatch(n: number, step: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    await step(i);
  }
  return ((performance.now() - started) * 1000) / n;
}
