import { describe, expect, it } from 'vitest';
import { planPlayback, uploadOrder } from './chunkOrder.ts';

describe('chunk order', () => {
  it('plays every chunk from 0, in order, whatever order they are listed in', () => {
    expect(
      planPlayback([
        { index: 2, size: 30 },
        { index: 0, size: 10 },
        { index: 1, size: 20 },
      ]),
    ).toEqual({ playable: [0, 1, 2], missing: [], bytes: 60 });
  });

  it('stops at the first gap and names every missing index', () => {
    expect(
      planPlayback([
        { index: 0, size: 1 },
        { index: 1, size: 1 },
        { index: 3, size: 1 },
        { index: 6, size: 1 },
      ]),
    ).toEqual({ playable: [0, 1], missing: [2, 4, 5], bytes: 2 });
  });

  it('plays nothing without chunk 0 (it carries the WebM header)', () => {
    expect(planPlayback([{ index: 1, size: 5 }])).toEqual({ playable: [], missing: [0], bytes: 0 });
    expect(planPlayback([])).toEqual({ playable: [], missing: [], bytes: 0 });
  });

  it('counts a listed duplicate once', () => {
    expect(
      planPlayback([
        { index: 0, size: 4 },
        { index: 0, size: 4 },
      ]).playable,
    ).toEqual([0]);
  });

  it('uploads by recording, then index', () => {
    const chunks = [
      { recordingId: 'b', index: 0 },
      { recordingId: 'a', index: 10 },
      { recordingId: 'a', index: 2 },
      { recordingId: 'b', index: -0 },
    ];
    expect(uploadOrder(chunks).map((c) => `${c.recordingId}${c.index}`)).toEqual(['a2', 'a10', 'b0', 'b0']);
  });
});
