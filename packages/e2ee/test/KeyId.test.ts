import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KeyId,
  MAX_KEY_EPOCH,
  MAX_SENDER_INDEX,
  TRACK_KINDS,
  encodeHeader,
  type KeyIdFields,
} from '../src/index.ts';

const fields = fc.record({
  senderIndex: fc.integer({ min: 0, max: MAX_SENDER_INDEX }),
  epoch: fc.integer({ min: 0, max: MAX_KEY_EPOCH }),
  kind: fc.constantFrom(...TRACK_KINDS),
});

describe('KeyId layout', () => {
  it('round-trips sender, epoch and kind, including the largest values', () => {
    const edges: KeyIdFields[] = [
      { senderIndex: 0, epoch: 0, kind: 'audio' },
      { senderIndex: MAX_SENDER_INDEX, epoch: MAX_KEY_EPOCH, kind: 'screen-audio' },
      { senderIndex: 1, epoch: 2, kind: 'screen' },
    ];
    for (const f of edges) {
      expect(KeyId.unpack(KeyId.pack(f))).toEqual(f);
    }
    expect(KeyId.pack(edges[1]!)).toBe(2n ** 64n - 1n);
    fc.assert(
      fc.property(fields, (f) => {
        expect(KeyId.unpack(KeyId.pack(f))).toEqual(f);
      }),
    );
  });

  it('puts kind in bits 0-1, sender in bits 2-21 and epoch in bits 22-63', () => {
    expect(KeyId.pack({ senderIndex: 0, epoch: 0, kind: 'video' })).toBe(1n);
    expect(KeyId.pack({ senderIndex: 1, epoch: 0, kind: 'audio' })).toBe(4n);
    expect(KeyId.pack({ senderIndex: 0, epoch: 1, kind: 'audio' })).toBe(1n << 22n);
  });

  it('never gives two senders, epochs or tracks the same KID', () => {
    const seen = new Set<bigint>();
    for (let senderIndex = 0; senderIndex < 200; senderIndex++) {
      for (let epoch = 0; epoch < 20; epoch++) {
        for (const kind of TRACK_KINDS) {
          seen.add(KeyId.pack({ senderIndex, epoch, kind }));
        }
      }
    }
    expect(seen.size).toBe(200 * 20 * TRACK_KINDS.length);
    fc.assert(
      fc.property(fields, fields, (a, b) => {
        const same = a.senderIndex === b.senderIndex && a.epoch === b.epoch && a.kind === b.kind;
        expect(KeyId.pack(a) === KeyId.pack(b)).toBe(same);
      }),
    );
  });

  it('keeps the header short for small rooms at early epochs', () => {
    const kid = KeyId.pack({ senderIndex: 63, epoch: 0, kind: 'screen-audio' });
    expect(encodeHeader(kid, 0n)).toHaveLength(2);
  });

  it('moves a KID to another epoch keeping sender and kind', () => {
    const kid = KeyId.pack({ senderIndex: 9, epoch: 3, kind: 'video' });
    expect(KeyId.unpack(KeyId.withEpoch(kid, 4))).toEqual({ senderIndex: 9, epoch: 4, kind: 'video' });
  });

  it('refuses fields out of range with a TypeError', () => {
    expect(() => KeyId.pack({ senderIndex: MAX_SENDER_INDEX + 1, epoch: 0, kind: 'audio' })).toThrow(
      TypeError,
    );
    expect(() => KeyId.pack({ senderIndex: -1, epoch: 0, kind: 'audio' })).toThrow(TypeError);
    expect(() => KeyId.pack({ senderIndex: 0, epoch: MAX_KEY_EPOCH + 1, kind: 'audio' })).toThrow(TypeError);
    expect(() => KeyId.pack({ senderIndex: 0.5, epoch: 0, kind: 'audio' })).toThrow(TypeError);
    expect(() => KeyId.pack({ senderIndex: 0, epoch: 0, kind: 'data' as never })).toThrow(TypeError);
    expect(() => KeyId.unpack(2n ** 64n)).toThrow(TypeError);
    expect(() => KeyId.unpack(-1n)).toThrow(TypeError);
  });
});
