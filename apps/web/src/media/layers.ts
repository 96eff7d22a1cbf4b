import type { MediaSource } from '@confidentiel/protocol';

export type SpatialLayer = 0 | 1 | 2;

/** Up to this many video tiles, every tile gets the full resolution. */
export const FULL_QUALITY_MAX_TILES = 4;
/** Up to this many video tiles, tiles get the middle layer; beyond, the lowest. */
export const MEDIUM_QUALITY_MAX_TILES = 9;

export interface LayerContext {
  source: MediaSource;
  /** The member is the active speaker (their tile is highlighted and watched). */
  isActiveSpeaker: boolean;
  /** How many video tiles the grid shows. */
  videoTileCount: number;
}

/**
 * The simulcast spatial layer to receive: the camera encodings are sent at
 * 1/4, 1/2 and full resolution, so a small tile does not need the top layer.
 */
export function chooseSpatialLayer(context: LayerContext): SpatialLayer {
  if (context.source === 'screen' || context.isActiveSpeaker) {
    return 2;
  }
  if (context.videoTileCount <= FULL_QUALITY_MAX_TILES) {
    return 2;
  }
  if (context.videoTileCount <= MEDIUM_QUALITY_MAX_TILES) {
    return 1;
  }
  return 0;
}
