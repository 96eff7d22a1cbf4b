import { describe, expect, it } from 'vitest';
import { nextFreshEpoch, ratchetKey, ratchetKeyBy } from '../../src/distribution/KeyDerivation.ts';
import { compareReceivedKey } from '../../src/distribution/PairwisePeer.ts';

const key = (fill: number): Uint8Array<ArrayBuffer> => new Uint8Array(16).fill(fill);

describe('compareReceivedKey: a key a member sent against the one we hold of it', () => {
  it('a first key, or a later epoch, is newer', async () => {
    expect(await compareReceivedKey(undefined, { epoch: 0, key: key(1) })).toBe('newer');
    expect(await compareReceivedKey({ epoch: 3, key: key(1) }, { epoch: 4, key: key(2) })).toBe('newer');
  });

  it('the same epoch is a repeat only with the same bytes', async () => {
    expect(await compareReceivedKey({ epoch: 3, key: key(1) }, { epoch: 3, key: key(1) })).toBe('repeat');
    expect(await compareReceivedKey({ epoch: 3, key: key(1) }, { epoch: 3, key: key(2) })).toBe('stale');
  });

  it('an earlier epoch of the generation is on our chain only if it ratchets to the key we hold', async () => {
    const earlier = key(7);
    const held = { epoch: 5, key: await ratchetKeyBy(earlier, 3) };
    expect(await compareReceivedKey(held, { epoch: 2, key: Uint8Array.from(earlier) })).toBe('on-chain');
    // Wrong bytes, or the right bytes claimed for another epoch: a replay or a forgery.
    expect(await compareReceivedKey(held, { epoch: 2, key: key(8) })).toBe('stale');
    expect(await compareReceivedKey(held, { epoch: 3, key: Uint8Array.from(earlier) })).toBe('stale');
  });

  it('an older generation is stale even when its key ratchets forward', async () => {
    const old = key(9);
    const fresh = nextFreshEpoch(0);
    const held = { epoch: fresh, key: await ratchetKey(old) };
    expect(await compareReceivedKey(held, { epoch: fresh - 1, key: Uint8Array.from(old) })).toBe('stale');
  });

  it('leaves the received key intact (the caller wipes it)', async () => {
    const received = { epoch: 2, key: key(7) };
    await compareReceivedKey({ epoch: 5, key: await ratchetKeyBy(key(7), 3) }, received);
    expect([...received.key]).toEqual([...key(7)]);
  });
});
