import { describe, expect, it } from 'vitest';
import { summarizeInboundStats } from './stats.ts';

describe('summarizeInboundStats', () => {
  it('keeps the numeric figures of the inbound-rtp entry only', () => {
    const figures = summarizeInboundStats([
      { type: 'transport', bytesReceived: 999 },
      {
        type: 'inbound-rtp',
        kind: 'video',
        framesDecoded: 120,
        frameWidth: 640,
        packetsReceived: 300,
        codecId: 'x',
      },
      { type: 'codec', mimeType: 'video/VP8' },
    ]);
    expect(figures).toEqual({ framesDecoded: 120, frameWidth: 640, packetsReceived: 300 });
  });

  it('picks the entry with the most packets when there are several', () => {
    const figures = summarizeInboundStats([
      { type: 'inbound-rtp', totalSamplesReceived: 10, packetsReceived: 1 },
      { type: 'inbound-rtp', totalSamplesReceived: 48000, packetsReceived: 50 },
    ]);
    expect(figures.totalSamplesReceived).toBe(48000);
  });

  it('returns nothing for an empty or odd report', () => {
    expect(summarizeInboundStats([])).toEqual({});
    expect(summarizeInboundStats([null, 3, { type: 'inbound-rtp', framesDecoded: Number.NaN }])).toEqual({});
  });
});
