import { describe, expect, it } from 'vitest';
import {
  E2eeError,
  KeyId,
  PREVIOUS_KEY_GRACE_MS,
  PREVIOUS_KEY_MAX_RETAIN_MS,
  ReceiverKeyRing,
  TRACK_KINDS,
} from '../src/index.ts';

const baseKey = () => crypto.getRandomValues(new Uint8Array(16));
const kid = (senderIndex: number, epoch: number) => KeyId.pack({ senderIndex, epoch, kind: 'audio' });

function setup() {
  let now = 1_000;
  const ring = new ReceiverKeyRing({ now: () => now });
  return {
    ring,
    advance: (ms: number) => {
      now += ms;
    },
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

describe('ReceiverKeyRing', () => {
  it('finds an installed KID and nothing for an unknown one', async () => {
    const { ring } = setup();
    await ring.install(kid(1, 0), baseKey());
    expect(ring.get(kid(1, 0))?.kid).toBe(kid(1, 0));
    expect(ring.get(kid(2, 0))).toBeUndefined();
    expect(ring.has(kid(1, 1))).toBe(false);
  });

  it('treats a second install of the same key as a no-op', async () => {
    const { ring } = setup();
    const key = baseKey();
    await ring.install(kid(1, 0), key);
    const material = ring.get(kid(1, 0));
    await Promise.all([ring.install(kid(1, 0), key), ring.install(kid(1, 0), Uint8Array.from(key))]);
    expect(ring.get(kid(1, 0))).toBe(material);
    expect(ring.size).toBe(1);
  });

  it('refuses another key under an installed KID and keeps the first', async () => {
    const { ring } = setup();
    await ring.install(kid(1, 0), baseKey());
    const material = ring.get(kid(1, 0));
    expect(await refusal(ring.install(kid(1, 0), baseKey()))).toBe('kid-conflict');
    expect(ring.get(kid(1, 0))).toBe(material);
  });

  it('installs one KID per track kind for a sender epoch', async () => {
    const { ring } = setup();
    const kids = await ring.installSender(4, 2, baseKey());
    expect(kids.map((k) => KeyId.unpack(k))).toEqual(
      TRACK_KINDS.map((kind) => ({ senderIndex: 4, epoch: 2, kind })),
    );
    expect(kids.every((k) => ring.has(k))).toBe(true);
  });

  it('keeps the previous epoch until the bounded retention after a newer one is installed', async () => {
    const { ring, advance } = setup();
    await ring.install(kid(1, 0), baseKey());
    advance(60_000);
    expect(ring.has(kid(1, 0))).toBe(true);
    await ring.install(kid(1, 1), baseKey());
    advance(PREVIOUS_KEY_MAX_RETAIN_MS - 1);
    expect(ring.has(kid(1, 0))).toBe(true);
    advance(1);
    expect(ring.has(kid(1, 0))).toBe(false);
    expect(ring.has(kid(1, 1))).toBe(true);
  });

  it('shortens the previous epoch to the grace window once the newer key is in use', async () => {
    const { ring, advance } = setup();
    await ring.install(kid(1, 0), baseKey());
    await ring.install(kid(1, 1), baseKey());
    await ring.install(kid(2, 0), baseKey());
    ring.noteUsed(kid(1, 1));
    advance(PREVIOUS_KEY_GRACE_MS - 1);
    expect(ring.has(kid(1, 0))).toBe(true);
    advance(1);
    expect(ring.has(kid(1, 0))).toBe(false);
    // Another sender's key is untouched.
    advance(PREVIOUS_KEY_MAX_RETAIN_MS);
    expect(ring.has(kid(2, 0))).toBe(true);
  });

  it('accepts a late install of an older epoch only for the retention window', async () => {
    const { ring, advance } = setup();
    await ring.install(kid(1, 5), baseKey());
    await ring.install(kid(1, 4), baseKey());
    expect(ring.has(kid(1, 4))).toBe(true);
    advance(PREVIOUS_KEY_MAX_RETAIN_MS);
    expect(ring.has(kid(1, 4))).toBe(false);
    expect(ring.has(kid(1, 5))).toBe(true);
  });

  it('removes a KID or a whole sender at once', async () => {
    const { ring } = setup();
    await ring.installSender(1, 0, baseKey());
    await ring.install(kid(2, 0), baseKey());
    expect(ring.remove(kid(2, 0))).toBe(true);
    expect(ring.remove(kid(2, 0))).toBe(false);
    expect(ring.removeSender(1)).toBe(TRACK_KINDS.length);
    expect(ring.size).toBe(0);
  });

  it('lets a removal made while an install is deriving or queued win', async () => {
    const { ring } = setup();
    const installs = [
      ring.install(kid(1, 0), baseKey()),
      ring.install(kid(2, 0), baseKey()),
      ring.install(kid(1, 1), baseKey()),
      ring.install(kid(3, 0), baseKey()),
    ];
    await Promise.resolve();
    ring.removeSender(1);
    expect(ring.remove(kid(3, 0))).toBe(true);
    await Promise.all(installs);
    expect(ring.has(kid(1, 0))).toBe(false);
    expect(ring.has(kid(1, 1))).toBe(false);
    expect(ring.has(kid(3, 0))).toBe(false);
    expect(ring.has(kid(2, 0))).toBe(true);
    // A later install is a new request and goes through.
    await ring.install(kid(1, 1), baseKey());
    expect(ring.has(kid(1, 1))).toBe(true);
  });

  it('drops every key on close, refuses installs after, and close is idempotent', async () => {
    const { ring } = setup();
    await ring.install(kid(1, 0), baseKey());
    ring.close();
    ring.close();
    expect(ring.closed).toBe(true);
    expect(ring.get(kid(1, 0))).toBeUndefined();
    expect(await refusal(ring.install(kid(1, 0), baseKey()))).toBe('closed');
  });
});
