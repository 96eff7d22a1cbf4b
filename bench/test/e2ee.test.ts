import { describe, expect, it } from 'vitest';
import {
  decryptFrame,
  encryptFrame,
  KeyId,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
} from '@confidentiel/e2ee';
import { flatDecrypt, flatEncrypt } from '../src/sections/e2ee/worker/flatFrame.ts';
import { frameOf, median } from '../src/sections/e2ee/worker/frames.ts';

async function keys() {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = KeyId.pack({ senderIndex: 1, epoch: 0, kind: 'video' });
  const ring = new ReceiverKeyRing();
  await ring.install(kid, baseKey);
  return { sender: await SenderContext.create(kid, baseKey), ring };
}

describe('the E2EE bench worker', () => {
  it('makes frames of the case: size, and the VP8 key-frame bit', () => {
    const key = frameOf({ id: 'k', bytes: 30_000, codec: 'vp8', keyFrame: true });
    const delta = frameOf({ id: 'd', bytes: 1_200, codec: 'vp8', keyFrame: false });
    expect(key.length).toBe(30_000);
    expect((key[0] as number) & 1).toBe(0);
    expect((delta[0] as number) & 1).toBe(1);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });

  it("profiles the real functions' own steps: the flat replica is wire-compatible with them both ways", async () => {
    for (const c of [
      { id: 'opus', bytes: 120, codec: 'opus', keyFrame: false },
      { id: 'key', bytes: 30_000, codec: 'vp8', keyFrame: true },
    ] as const) {
      const plain = frameOf(c);
      const { sender, ring } = await keys();
      const flat = await flatEncrypt(sender, c.codec, plain);
      const opened = await decryptFrame(ring, new ReplayWindow(), c.codec, flat);
      expect(opened.ok && [...opened.payload]).toEqual([...plain]);
      const real = await encryptFrame(sender, c.codec, plain);
      expect(flat.length).toBe(real.length);
      const back = await flatDecrypt(ring, new ReplayWindow(), c.codec, real);
      expect(back && [...back]).toEqual([...plain]);
      // A flipped ciphertext byte does not open (the replica authenticates like the real code).
      const forged = real.slice();
      forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
      expect(await flatDecrypt(ring, new ReplayWindow(), c.codec, forged)).toBeNull();
    }
  });
});
