/**
 * The synchronous steps of encryptFrame / decryptFrame, each timed alone over
 * many calls (µs per call): what the step profile's "rest of the function"
 * is made of, besides the promise hops between its async layers.
 */
import { headerByteLength, parseHeader, writeHeader } from '../../../../../packages/e2ee/src/Header.ts';
import { KeyId } from '../../../../../packages/e2ee/src/KeyId.ts';
import { computeNonce } from '../../../../../packages/e2ee/src/KeySchedule.ts';
import { ReceiverKeyRing } from '../../../../../packages/e2ee/src/ReceiverKeyRing.ts';
import { ReplayWindow } from '../../../../../packages/e2ee/src/ReplayWindow.ts';
import { SenderContext } from '../../../../../packages/e2ee/src/SenderContext.ts';

export interface SyncSteps {
  /** sender.take(): the key and the next CTR. */
  take: number;
  /** Header length and bytes written into the AAD, clear prefix appended. */
  header: number;
  /** The per-frame nonce from the salt and the CTR. */
  nonce: number;
  /** parseHeader of a received frame. */
  parse: number;
  /** ReceiverKeyRing.get(kid). */
  keyLookup: number;
  /** ReplayWindow.check then accept of a fresh CTR. */
  replay: number;
}

const CALLS = 5_000;

function perCall(run: (i: number) => unknown): number {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    run(i);
  }
  return ((performance.now() - started) * 1000) / CALLS;
}

export async function syncSteps(prefix: number): Promise<SyncSteps> {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = KeyId.pack({ senderIndex: 1, epoch: 0, kind: 'video' });
  const sender = await SenderContext.create(kid, baseKey);
  const ring = new ReceiverKeyRing();
  await ring.install(kid, baseKey);
  const clear = crypto.getRandomValues(new Uint8Array(prefix));
  const frame = new Uint8Array(prefix + 32);
  writeHeader(frame, prefix, kid, 123_456n);
  const salt = sender.key.salt;
  const replay = new ReplayWindow();
  // Warm the functions up before timing them.
  for (const warm of [false, true]) {
    const steps: SyncSteps = {
      take: perCall(() => sender.take()),
      header: perCall((i) => {
        const ctr = BigInt(i);
        const length = headerByteLength(kid, ctr);
        const aad = new Uint8Array(length + prefix);
        writeHeader(aad, 0, kid, ctr);
        aad.set(clear, length);
      }),
      nonce: perCall((i) => computeNonce(salt, i)),
      parse: perCall(() => parseHeader(frame, prefix)),
      keyLookup: perCall(() => ring.get(kid)),
      replay: perCall((i) => {
        const ctr = BigInt((warm ? CALLS : 0) + i);
        replay.check(kid, ctr);
        replay.accept(kid, ctr);
      }),
    };
    if (warm) {
      return steps;
    }
  }
  throw new Error('unreachable');
}
