import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  CipherSuite,
  E2eeError,
  FrameStats,
  KeyId,
  REPLAY_WINDOW_SIZE,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
  decryptFrame,
  encodeHeader,
  encryptFrame,
  type CipherSuiteId,
} from '../src/index.ts';
import { opusFrame, plainFrame, vp8DeltaFrame, vp8KeyFrame } from './frames.ts';

const videoKid = KeyId.pack({ senderIndex: 5, epoch: 0, kind: 'video' });
const audioKid = KeyId.pack({ senderIndex: 5, epoch: 0, kind: 'audio' });

async function setup(kid = videoKid, suite: CipherSuiteId = CipherSuite.AES_128_GCM_SHA256_128) {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const sender = await SenderContext.create(kid, baseKey, { suite });
  const ring = new ReceiverKeyRing({ suite });
  await ring.install(kid, baseKey);
  const replay = new ReplayWindow();
  const stats = new FrameStats();
  return {
    sender,
    ring,
    replay,
    stats,
    baseKey,
    open: (codec: string, data: Uint8Array<ArrayBuffer>) => decryptFrame(ring, replay, codec, data, stats),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(E2eeError);
    return (error as E2eeError).reason;
  }
  throw new Error('expected a refusal');
}

function flipped(data: Uint8Array<ArrayBuffer>, index: number, mask = 0x01): Uint8Array<ArrayBuffer> {
  const copy = data.slice();
  copy[index]! ^= mask;
  return copy;
}

describe('encryptFrame / decryptFrame', () => {
  const codecs = [
    ['video/VP8', 'a key frame', vp8KeyFrame, 10],
    ['video/VP8', 'a delta frame', vp8DeltaFrame, 3],
    ['audio/opus', 'a frame', opusFrame, 1],
    ['video/VP9', 'a frame', plainFrame, 0],
    ['video/AV1', 'a frame', plainFrame, 0],
  ] as const;

  it.each(codecs)(
    '%s: leaves the clear prefix of %s in front of the SFrame header',
    async (codec, _what, make, clear) => {
      const { sender, open } = await setup();
      const payload = make();
      const out = await encryptFrame(sender, codec, payload);
      expect(out.subarray(0, clear)).toEqual(payload.subarray(0, clear));
      const header = encodeHeader(videoKid, 0n);
      expect(out.subarray(clear, clear + header.length)).toEqual(header);
      expect(out.length).toBe(payload.length + header.length + 16);
      // The rest is ciphertext: not the payload.
      expect(out.subarray(clear + header.length, clear + header.length + 32)).not.toEqual(
        payload.subarray(clear, clear + 32),
      );
      const result = await open(codec, out);
      expect(result).toMatchObject({ ok: true, kid: videoKid, ctr: 0n });
      expect(result.ok && result.payload).toEqual(payload);
    },
  );

  it.each(Object.entries(CipherSuite))('round-trips frames with %s', async (_name, suite) => {
    const { sender, open, stats } = await setup(videoKid, suite);
    for (const payload of [vp8KeyFrame(), vp8DeltaFrame(), vp8DeltaFrame(3)]) {
      const result = await open('video/VP8', await encryptFrame(sender, 'video/VP8', payload));
      expect(result.ok && result.payload).toEqual(payload);
    }
    expect(stats.decrypted).toBe(3);
  });

  it('round-trips an empty VP9 frame and a VP8 delta frame that is only its frame tag', async () => {
    const { sender, open } = await setup();
    for (const [codec, payload] of [
      ['video/VP9', new Uint8Array(0)],
      ['video/VP8', vp8DeltaFrame(3)],
      ['audio/opus', opusFrame(1)],
    ] as const) {
      const result = await open(codec, await encryptFrame(sender, codec, payload));
      expect(result.ok && result.payload).toEqual(payload);
    }
  });

  it('gives every frame its own CTR, also when encrypted concurrently', async () => {
    const { sender, open } = await setup();
    const frames = await Promise.all(
      Array.from({ length: 50 }, () => encryptFrame(sender, 'video/VP9', plainFrame(64))),
    );
    const results = await Promise.all(frames.map((f) => open('video/VP9', f)));
    const ctrs = results.map((r) => (r.ok ? r.ctr : -1n));
    expect(new Set(ctrs).size).toBe(50);
    expect(ctrs.every((c) => c >= 0n)).toBe(true);
  });

  it('refuses H.264 and unknown codecs instead of sending them in clear', async () => {
    const { sender, stats, open } = await setup();
    for (const codec of ['video/H264', 'video/H265', 'audio/PCMU', 'video/unknown']) {
      expect(await refusal(encryptFrame(sender, codec, plainFrame()))).toBe('unsupported-codec');
      expect(await open(codec, plainFrame())).toEqual({ ok: false, reason: 'unsupported-codec' });
    }
    // No CTR was spent on a refused frame.
    expect(sender.nextCounter).toBe(0);
    expect(stats.dropped['unsupported-codec']).toBe(4);
  });

  it('refuses frames shorter than their clear prefix', async () => {
    const { sender } = await setup();
    expect(await refusal(encryptFrame(sender, 'video/VP8', vp8KeyFrame(9)))).toBe('frame-too-short');
    expect(await refusal(encryptFrame(sender, 'video/VP8', vp8DeltaFrame(2)))).toBe('frame-too-short');
    expect(await refusal(encryptFrame(sender, 'video/VP8', new Uint8Array(0)))).toBe('frame-too-short');
    expect(await refusal(encryptFrame(sender, 'audio/opus', new Uint8Array(0)))).toBe('frame-too-short');
  });

  it('rejects a frame under a KID it has no key for as missing-key', async () => {
    const { sender, stats } = await setup();
    const data = await encryptFrame(sender, 'video/VP8', vp8KeyFrame());
    const otherRing = new ReceiverKeyRing();
    await otherRing.install(audioKid, crypto.getRandomValues(new Uint8Array(16)));
    expect(await decryptFrame(otherRing, new ReplayWindow(), 'video/VP8', data, stats)).toEqual({
      ok: false,
      reason: 'missing-key',
      kid: videoKid,
    });
    expect(stats.dropped['missing-key']).toBe(1);
  });

  it('rejects a frame under the right KID but another key as bad-tag', async () => {
    const { sender } = await setup();
    const data = await encryptFrame(sender, 'video/VP8', vp8KeyFrame());
    const wrongRing = new ReceiverKeyRing();
    await wrongRing.install(videoKid, crypto.getRandomValues(new Uint8Array(16)));
    expect(await decryptFrame(wrongRing, new ReplayWindow(), 'video/VP8', data)).toMatchObject({
      ok: false,
      reason: 'bad-tag',
    });
  });

  it('rejects a flipped byte of the clear prefix as bad-tag: the prefix is authenticated', async () => {
    const { sender, open, stats } = await setup();
    const key = await encryptFrame(sender, 'video/VP8', vp8KeyFrame());
    for (let i = 1; i < 10; i++) {
      expect(await open('video/VP8', flipped(key, i, 0x10))).toMatchObject({ ok: false, reason: 'bad-tag' });
    }
    const opus = await encryptFrame(sender, 'audio/opus', opusFrame());
    expect(await open('audio/opus', flipped(opus, 0, 0x08))).toMatchObject({ ok: false, reason: 'bad-tag' });
    expect(stats.dropped['bad-tag']).toBe(10);
    // Genuine frames still open afterwards.
    expect((await open('video/VP8', key)).ok).toBe(true);
    expect((await open('audio/opus', opus)).ok).toBe(true);
  });

  it('rejects a VP8 frame whose key frame bit was flipped, without throwing', async () => {
    const { sender, open } = await setup();
    for (const payload of [vp8KeyFrame(), vp8DeltaFrame()]) {
      const data = await encryptFrame(sender, 'video/VP8', payload);
      expect((await open('video/VP8', flipped(data, 0))).ok).toBe(false);
    }
  });

  it('rejects a flipped ciphertext, tag or header byte', async () => {
    const { sender, open } = await setup();
    const data = await encryptFrame(sender, 'video/VP9', plainFrame(200));
    expect(await open('video/VP9', flipped(data, 20))).toMatchObject({ ok: false, reason: 'bad-tag' });
    expect(await open('video/VP9', flipped(data, data.length - 1))).toMatchObject({
      ok: false,
      reason: 'bad-tag',
    });
    // Header byte 0 carries the KID: another KID, no key for it.
    expect(await open('video/VP9', flipped(data, 0, 0x10))).toMatchObject({
      ok: false,
      reason: 'missing-key',
    });
  });

  it('rejects every truncation of a frame as malformed or bad-tag, never throwing', async () => {
    const { sender, open, stats } = await setup();
    const data = await encryptFrame(sender, 'video/VP8', vp8KeyFrame(40));
    const reasons = new Set<string>();
    for (let length = 0; length < data.length; length++) {
      const result = await open('video/VP8', data.slice(0, length));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        reasons.add(result.reason);
      }
    }
    expect([...reasons].sort()).toEqual(['bad-tag', 'malformed']);
    expect(stats.droppedTotal).toBe(data.length);
    expect(stats.decrypted).toBe(0);
  });

  it('rejects a replayed frame, and one behind the replay window as too-old', async () => {
    const { sender, open, stats } = await setup();
    const first = await encryptFrame(sender, 'audio/opus', opusFrame());
    expect((await open('audio/opus', first)).ok).toBe(true);
    expect(await open('audio/opus', first)).toEqual({ ok: false, reason: 'replay', kid: videoKid });
    for (let i = 0; i < REPLAY_WINDOW_SIZE; i++) {
      expect((await open('audio/opus', await encryptFrame(sender, 'audio/opus', opusFrame()))).ok).toBe(true);
    }
    expect(await open('audio/opus', first)).toEqual({ ok: false, reason: 'too-old', kid: videoKid });
    expect(stats.dropped.replay).toBe(1);
    expect(stats.dropped['too-old']).toBe(1);
  });

  it('opens only one of two copies of a frame opened at the same time', async () => {
    const { sender, open } = await setup();
    const data = await encryptFrame(sender, 'video/VP9', plainFrame());
    const results = await Promise.all([open('video/VP9', data), open('video/VP9', data.slice())]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['ok', 'replay']);
  });

  it('does not let a forged frame with a huge CTR move the replay window', async () => {
    const { sender, open } = await setup();
    const genuine = await encryptFrame(sender, 'video/VP9', plainFrame());
    const forged = new Uint8Array(64);
    forged.set(encodeHeader(videoKid, 1_000_000n));
    expect(await open('video/VP9', forged)).toMatchObject({ ok: false, reason: 'bad-tag' });
    expect((await open('video/VP9', genuine)).ok).toBe(true);
  });

  it('gives two senders sharing a base key distinct KIDs, frames and keys', async () => {
    const baseKey = crypto.getRandomValues(new Uint8Array(16));
    const kidA = KeyId.pack({ senderIndex: 1, epoch: 0, kind: 'video' });
    const kidB = KeyId.pack({ senderIndex: 2, epoch: 0, kind: 'video' });
    const a = await SenderContext.create(kidA, baseKey);
    const b = await SenderContext.create(kidB, baseKey);
    const payload = plainFrame();
    const [fa, fb] = await Promise.all([
      encryptFrame(a, 'video/VP9', payload),
      encryptFrame(b, 'video/VP9', payload),
    ]);
    expect(fa.subarray(2)).not.toEqual(fb.subarray(2));
    const ring = new ReceiverKeyRing();
    await ring.install(kidA, baseKey);
    await ring.install(kidB, baseKey);
    const replay = new ReplayWindow();
    expect(await decryptFrame(ring, replay, 'video/VP9', fa)).toMatchObject({ ok: true, kid: kidA, ctr: 0n });
    expect(await decryptFrame(ring, replay, 'video/VP9', fb)).toMatchObject({ ok: true, kid: kidB, ctr: 0n });
  });

  it('never throws and never accepts arbitrary bytes', async () => {
    const { open } = await setup(0n);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('video/VP8', 'audio/opus', 'video/VP9'),
        fc.uint8Array(),
        async (codec, bytes) => {
          const result = await open(codec, Uint8Array.from(bytes));
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports an unexpected error as internal instead of throwing', async () => {
    const { ring, replay, stats } = await setup();
    expect(await decryptFrame(ring, replay, 'video/VP9', null as never, stats)).toEqual({
      ok: false,
      reason: 'internal',
    });
    expect(stats.dropped.internal).toBe(1);
    stats.reset();
    expect(stats.droppedTotal).toBe(0);
  });

  it('counts encrypted frames', async () => {
    const { sender, stats } = await setup();
    await encryptFrame(sender, 'video/VP9', plainFrame(), stats);
    expect(stats.encrypted).toBe(1);
  });
});

describe('encryptFrame failures', () => {
  it('wraps an unexpected WebCrypto failure in an internal E2eeError', async () => {
    const baseKey = crypto.getRandomValues(new Uint8Array(16));
    const sender = await SenderContext.create(0n, baseKey);
    const spy = vi.spyOn(globalThis.crypto.subtle, 'encrypt').mockRejectedValueOnce(new Error('boom'));
    try {
      await expect(encryptFrame(sender, 'video/VP9', plainFrame())).rejects.toMatchObject({
        name: 'E2eeError',
        reason: 'internal',
      });
    } finally {
      spy.mockRestore();
    }
    expect((await encryptFrame(sender, 'video/VP9', plainFrame())).length).toBeGreaterThan(0);
  });

  it('turns a bad argument into an internal E2eeError', async () => {
    const sender = await SenderContext.create(0n, crypto.getRandomValues(new Uint8Array(16)));
    expect(await refusal(encryptFrame(sender, 'video/VP8', null as never))).toBe('internal');
    expect(await refusal(encryptFrame(sender, undefined as never, plainFrame()))).toBe('internal');
  });

  it('refuses to encrypt with a closed sender', async () => {
    const sender = await SenderContext.create(0n, crypto.getRandomValues(new Uint8Array(16)));
    sender.close();
    expect(await refusal(encryptFrame(sender, 'video/VP9', plainFrame()))).toBe('closed');
  });
});
