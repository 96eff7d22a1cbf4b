import { describe, expect, it } from 'vitest';
import { chooseSpatialLayer } from './layers.ts';

describe('chooseSpatialLayer', () => {
  it('gives the top layer to everyone in a small meeting', () => {
    expect(chooseSpatialLayer({ source: 'camera', isActiveSpeaker: false, videoTileCount: 4 })).toBe(2);
  });

  it('lowers small tiles as the grid grows', () => {
    expect(chooseSpatialLayer({ source: 'camera', isActiveSpeaker: false, videoTileCount: 5 })).toBe(1);
    expect(chooseSpatialLayer({ source: 'camera', isActiveSpeaker: false, videoTileCount: 9 })).toBe(1);
    expect(chooseSpatialLayer({ source: 'camera', isActiveSpeaker: false, videoTileCount: 10 })).toBe(0);
  });

  it('keeps the active speaker and shared screens at the top layer', () => {
    expect(chooseSpatialLayer({ source: 'camera', isActiveSpeaker: true, videoTileCount: 30 })).toBe(2);
    expect(chooseSpatialLayer({ source: 'screen', isActiveSpeaker: false, videoTileCount: 30 })).toBe(2);
  });
});
