import { describe, expect, it } from 'vitest';
import { CipherSuite, E2eeError, KeyId, MAX_SENDER_COUNTER, SenderContext } from '../src/index.ts';

const baseKey = () => crypto.getRandomValues(new Uint8Array(16));
const kid = (epoch: number) => KeyId.pack({ senderIndex: 3, epoch, kind: 'video' });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(E2eeError);
    return (error as E2eeError).reason;
  }
  throw new Error('expected a refusal');
}

describe('SenderContext', () => {
  it('hands out CTRs from 0, one per frame, never twice', async () => {
    const sender = await SenderContext.create(kid(0), baseKey());
    expect(sender.kid).toBe(kid(0));
    expect(sender.key.suite.id).toBe(CipherSuite.AES_128_GCM_SHA256_128);
    const ctrs = Array.from({ length: 100 }, () => sender.take().ctr);
    expect(ctrs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sender.nextCounter).toBe(100);
  });

  it('refuses to wrap past 2^53 - 1', async () => {
    const sender = await SenderContext.create(kid(0), baseKey(), { initialCounter: MAX_SENDER_COUNTER });
    expect(sender.take().ctr).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => sender.take()).toThrow(expect.objectContaining({ reason: 'counter-exhausted' }));
    expect(() => sender.take()).toThrow(E2eeError);
  });

  it('keeps counting across a key switch, and uses the new KID once switched', async () => {
    const sender = await SenderContext.create(kid(0), baseKey());
    sender.take();
    const switching = sender.switchKey(kid(1), baseKey());
    // Frames taken while the new key is derived still use the old one.
    expect(sender.take()).toMatchObject({ ctr: 1, key: { kid: kid(0) } });
    await switching;
    expect(sender.take()).toMatchObject({ ctr: 2, key: { kid: kid(1) } });
  });

  it('applies concurrent key switches in the order they were asked for', async () => {
    const sender = await SenderContext.create(kid(0), baseKey());
    await Promise.all([sender.switchKey(kid(1), baseKey()), sender.switchKey(kid(2), baseKey())]);
    expect(sender.kid).toBe(kid(2));
  });

  it('refuses to switch to the KID it already uses', async () => {
    const sender = await SenderContext.create(kid(0), baseKey());
    expect(await refusal(sender.switchKey(kid(0), baseKey()))).toBe('kid-conflict');
    await sender.switchKey(kid(1), baseKey());
    expect(sender.kid).toBe(kid(1));
  });

  it('refuses a short base key and an unknown suite', async () => {
    expect(await refusal(SenderContext.create(kid(0), new Uint8Array(8)))).toBe('invalid-key');
    expect(await refusal(SenderContext.create(kid(0), baseKey(), { suite: 9 as never }))).toBe(
      'unsupported-suite',
    );
  });

  it('fails with closed after close, and close is idempotent', async () => {
    const sender = await SenderContext.create(kid(0), baseKey());
    sender.close();
    sender.close();
    expect(sender.closed).toBe(true);
    expect(() => sender.take()).toThrow(expect.objectContaining({ reason: 'closed' }));
    expect(await refusal(sender.switchKey(kid(1), baseKey()))).toBe('closed');
  });
});
