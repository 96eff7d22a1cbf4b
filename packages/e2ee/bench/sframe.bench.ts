/**
 * Per-frame cost of encryptFrame + decryptFrame with the default suite (AES_128_GCM_SHA256_128),
 * next to raw WebCrypto AES-GCM encrypt + decrypt of the same buffers: the floor that any
 * WebCrypto-based SFrame can reach. Prints figures only; asserts nothing.
 *
 *   node packages/e2ee/bench/sframe.bench.ts      (or: npm run bench -w @confidentiel/e2ee)
 *
 * Ours and raw run in alternating batches within each round, so a machine busy with other work
 * slows both alike; the ratio is the median of the per-round ratios.
 */
import {
  FrameStats,
  KeyId,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
  decryptFrame,
  encryptFrame,
} from '../src/index.ts';

/** Many short rounds: on a shared machine a burst of other work spoils a few rounds, not the median. */
const ROUNDS = 101;
const WARMUP_ROUNDS = 5;

interface Case {
  readonly label: string;
  readonly bytes: number;
  readonly codec: string;
  /** Frames per batch, bounded so the whole run stays within seconds. */
  readonly frames: number;
}

const CASES: readonly Case[] = [
  { label: '160 B (Opus)', bytes: 160, codec: 'audio/opus', frames: 40 },
  { label: '4 KB (VP8 delta)', bytes: 4 * 1024, codec: 'video/VP8', frames: 40 },
  { label: '60 KB (VP8 delta)', bytes: 60 * 1024, codec: 'video/VP8', frames: 20 },
];

function frameOf(bytes: number): Uint8Array<ArrayBuffer> {
  const frame = crypto.getRandomValues(new Uint8Array(bytes));
  // VP8 frame tag bit 0 = 1: a delta frame (3 clear bytes). Opus keeps byte 0 whatever it is.
  frame[0] = frame[0]! | 0x01;
  return frame;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = KeyId.pack({ senderIndex: 1, epoch: 0, kind: 'video' });
  const sender = await SenderContext.create(kid, baseKey);
  const ring = new ReceiverKeyRing();
  await ring.install(kid, baseKey);
  const replay = new ReplayWindow();
  const stats = new FrameStats();

  const rawKey = await crypto.subtle.importKey(
    'raw',
    crypto.getRandomValues(new Uint8Array(16)),
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  );
  // A fixed IV is fine for timing only; SFrame derives a fresh nonce per frame.
  const iv = crypto.getRandomValues(new Uint8Array(12));

  async function ours(c: Case, frame: Uint8Array<ArrayBuffer>): Promise<number> {
    const start = performance.now();
    for (let i = 0; i < c.frames; i++) {
      const sealed = await encryptFrame(sender, c.codec, frame);
      const result = await decryptFrame(ring, replay, c.codec, sealed, stats);
      if (!result.ok) {
        throw new Error(`benchmark frame dropped: ${result.reason}`);
      }
    }
    return ((performance.now() - start) * 1000) / c.frames;
  }

  async function raw(c: Case, frame: Uint8Array<ArrayBuffer>): Promise<number> {
    const start = performance.now();
    for (let i = 0; i < c.frames; i++) {
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, frame);
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, rawKey, sealed);
    }
    return ((performance.now() - start) * 1000) / c.frames;
  }

  const out = process.stdout;
  out.write(
    `SFrame encryptFrame+decryptFrame vs raw WebCrypto AES-GCM encrypt+decrypt, per frame, ` +
      `AES_128_GCM_SHA256_128, median of ${ROUNDS} rounds (node ${process.version})\n\n`,
  );
  out.write(
    `${'frame'.padEnd(20)}${'ours µs'.padStart(10)}${'raw µs'.padStart(10)}${'ours/raw'.padStart(11)}\n`,
  );
  for (const c of CASES) {
    const frame = frameOf(c.bytes);
    const oursTimes: number[] = [];
    const rawTimes: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      // Alternate which goes first, so neither always meets the warmer machine.
      let o: number;
      let r: number;
      if (round % 2 === 0) {
        o = await ours(c, frame);
        r = await raw(c, frame);
      } else {
        r = await raw(c, frame);
        o = await ours(c, frame);
      }
      if (round >= WARMUP_ROUNDS) {
        oursTimes.push(o);
        rawTimes.push(r);
        ratios.push(o / r);
      }
    }
    out.write(
      `${c.label.padEnd(20)}${median(oursTimes).toFixed(1).padStart(10)}` +
        `${median(rawTimes).toFixed(1).padStart(10)}${median(ratios).toFixed(2).padStart(10)}x\n`,
    );
  }
}

await main();
