import { describe, expect, it } from 'vitest';
import {
  FrameStats,
  KeyId,
  PREVIOUS_KEY_GRACE_MS,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
  decryptFrame,
  encryptFrame,
} from '../src/index.ts';
import { opusFrame } from './frames.ts';

const CODEC = 'audio/opus';
const kid = (epoch: number) => KeyId.pack({ senderIndex: 7, epoch, kind: 'audio' });
const newKey = () => crypto.getRandomValues(new Uint8Array(16));

async function setup() {
  let now = 0;
  const ring = new ReceiverKeyRing({ now: () => now });
  const replay = new ReplayWindow();
  const stats = new FrameStats();
  const epoch0 = newKey();
  const sender = await SenderContext.create(kid(0), epoch0);
  await ring.install(kid(0), epoch0);
  return {
    sender,
    ring,
    stats,
    advance: (ms: number) => {
      now += ms;
    },
    send: () => encryptFrame(sender, CODEC, opusFrame()),
    receive: async (data: Uint8Array<ArrayBuffer>) => {
      const result = await decryptFrame(ring, replay, CODEC, data, stats);
      return result.ok ? 'ok' : result.reason;
    },
  };
}

describe('key rotation races', () => {
  it('drops frames under a key that arrives late as missing-key, then recovers once it is installed', async () => {
    const { sender, ring, stats, send, receive } = await setup();
    const epoch1 = newKey();
    await sender.switchKey(kid(1), epoch1);
    const early = [await send(), await send()];
    expect(await receive(early[0]!)).toBe('missing-key');
    expect(await receive(early[1]!)).toBe('missing-key');
    await ring.install(kid(1), epoch1);
    expect(await receive(await send())).toBe('ok');
    // A dropped frame was never accepted, so the same bytes open if they come again.
    expect(await receive(early[1]!)).toBe('ok');
    expect(stats.dropped['missing-key']).toBe(2);
    expect(stats.decrypted).toBe(2);
  });

  it('keeps opening old-epoch frames when the new key arrives before the sender switches', async () => {
    const { sender, ring, send, receive } = await setup();
    const epoch1 = newKey();
    await ring.install(kid(1), epoch1);
    expect(await receive(await send())).toBe('ok');
    await sender.switchKey(kid(1), epoch1);
    expect(await receive(await send())).toBe('ok');
  });

  it('opens old-epoch frames still in flight within the grace window, not after it', async () => {
    const { sender, ring, advance, send, receive } = await setup();
    const inFlight = [await send(), await send()];
    const epoch1 = newKey();
    await ring.install(kid(1), epoch1);
    await sender.switchKey(kid(1), epoch1);
    expect(await receive(await send())).toBe('ok');
    advance(PREVIOUS_KEY_GRACE_MS - 1);
    expect(await receive(inFlight[0]!)).toBe('ok');
    advance(1);
    expect(await receive(inFlight[1]!)).toBe('missing-key');
    expect(ring.has(kid(0))).toBe(false);
  });

  it('treats a key installed twice, even concurrently and mid-stream, as one install', async () => {
    const { sender, ring, send, receive } = await setup();
    const epoch1 = newKey();
    await Promise.all([ring.install(kid(1), epoch1), ring.install(kid(1), epoch1)]);
    await sender.switchKey(kid(1), epoch1);
    const frame = await send();
    expect(await receive(frame)).toBe('ok');
    await ring.install(kid(1), Uint8Array.from(epoch1));
    expect(await receive(await send())).toBe('ok');
    // The replay state survived the repeated install.
    expect(await receive(frame)).toBe('replay');
  });

  it('keeps every frame decryptable while the sender switches keys between concurrent frames', async () => {
    const { sender, ring, send, receive } = await setup();
    const epoch1 = newKey();
    await ring.install(kid(1), epoch1);
    const frames: Promise<Uint8Array<ArrayBuffer>>[] = [];
    for (let i = 0; i < 10; i++) {
      frames.push(send());
    }
    const switching = sender.switchKey(kid(1), epoch1);
    for (let i = 0; i < 10; i++) {
      frames.push(send());
    }
    await switching;
    for (let i = 0; i < 10; i++) {
      frames.push(send());
    }
    const results = await Promise.all((await Promise.all(frames)).map(receive));
    expect(results.every((r) => r === 'ok')).toBe(true);
  });

  it('drops a removed sender at once, in-flight frames included', async () => {
    const { ring, send, receive } = await setup();
    const inFlight = await send();
    ring.removeSender(7);
    expect(await receive(inFlight)).toBe('missing-key');
  });
});
