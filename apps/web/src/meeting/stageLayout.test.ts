import { describe, expect, it } from 'vitest';
import {
  fitTile,
  gridLayout,
  mainTileKey,
  speakerLayout,
  STRIP_MAX_HEIGHT_PX,
  TILE_ASPECT,
  TILE_GAP_PX,
  type Size,
} from './stageLayout.ts';

/** What a 1280×800 window leaves for the stage (sidebar and controls aside), and a 390×844 phone's. */
const desktop: Size = { width: 960, height: 600 };
const phone: Size = { width: 358, height: 600 };

function covered(stage: Size, tile: Size, count: number): number {
  return (tile.width * tile.height * count) / (stage.width * stage.height);
}

function gridFits(stage: Size, layout: ReturnType<typeof gridLayout>): boolean {
  const width = layout.columns * layout.tile.width + (layout.columns - 1) * TILE_GAP_PX;
  const height = layout.rows * layout.tile.height + (layout.rows - 1) * TILE_GAP_PX;
  return width <= stage.width && height <= stage.height;
}

describe('fitTile', () => {
  it('keeps a cell whose shape is allowed, and trims one too wide or too tall', () => {
    expect(fitTile({ width: 400, height: 300 })).toEqual({ width: 400, height: 300 });
    const wide = fitTile({ width: 1000, height: 300 });
    expect(wide.height).toBe(300);
    expect(wide.width / wide.height).toBeCloseTo(TILE_ASPECT.max);
    const tall = fitTile({ width: 300, height: 1000 });
    expect(tall.width).toBe(300);
    expect(tall.width / tall.height).toBeCloseTo(TILE_ASPECT.min);
  });

  it('gives nothing for an empty stage (before it is measured)', () => {
    expect(fitTile({ width: 0, height: 500 })).toEqual({ width: 0, height: 0 });
  });
});

describe('gridLayout', () => {
  it('gives one person most of the stage', () => {
    const layout = gridLayout(desktop, 1);
    expect(layout).toMatchObject({ columns: 1, rows: 1 });
    expect(covered(desktop, layout.tile, 1)).toBeGreaterThan(0.75);
  });

  it('lets two people cover more than half of a desktop stage and of a phone stage', () => {
    for (const stage of [desktop, phone]) {
      const layout = gridLayout(stage, 2);
      expect(gridFits(stage, layout)).toBe(true);
      expect(covered(stage, layout.tile, 2)).toBeGreaterThan(0.5);
    }
    // A phone held upright stacks them; a wide stage puts them side by side.
    expect(gridLayout(phone, 2)).toMatchObject({ columns: 1, rows: 2 });
    expect(gridLayout({ width: 1400, height: 500 }, 2)).toMatchObject({ columns: 2, rows: 1 });
  });

  it('never overflows the stage and keeps an allowed shape, from 1 to 25 tiles', () => {
    for (const stage of [desktop, phone, { width: 1800, height: 400 }]) {
      for (let count = 1; count <= 25; count += 1) {
        const layout = gridLayout(stage, count);
        expect(layout.columns * layout.rows).toBeGreaterThanOrEqual(count);
        expect(gridFits(stage, layout), `${count} tiles in ${stage.width}x${stage.height}`).toBe(true);
        const aspect = layout.tile.width / layout.tile.height;
        expect(aspect).toBeGreaterThanOrEqual(TILE_ASPECT.min - 0.02);
        expect(aspect).toBeLessThanOrEqual(TILE_ASPECT.max + 0.02);
      }
    }
  });

  it('uses a near-square grid for four on a desktop stage', () => {
    expect(gridLayout(desktop, 4)).toMatchObject({ columns: 2, rows: 2 });
  });
});

describe('speakerLayout', () => {
  it('makes the main tile much larger than each tile of the strip', () => {
    const layout = speakerLayout(desktop, 3);
    expect(layout.main.width * layout.main.height).toBeGreaterThan(
      4 * layout.strip.width * layout.strip.height,
    );
    expect(layout.main.height + TILE_GAP_PX + layout.strip.height).toBeLessThanOrEqual(desktop.height);
    expect(layout.strip.height).toBeLessThanOrEqual(STRIP_MAX_HEIGHT_PX);
  });

  it('fits the strip in the width on a phone while the tiles stay readable', () => {
    const layout = speakerLayout(phone, 2);
    expect(2 * layout.strip.width + TILE_GAP_PX).toBeLessThanOrEqual(phone.width);
    expect(layout.main.width).toBe(phone.width);
    // Upright, the main tile is as wide as the screen: the strip stays well below it.
    for (const others of [1, 2, 3]) {
      const upright = speakerLayout(phone, others);
      expect(upright.main.width * upright.main.height).toBeGreaterThan(
        4 * upright.strip.width * upright.strip.height,
      );
    }
  });

  it('gives the whole stage to the main tile when there is no one else', () => {
    const layout = speakerLayout(desktop, 0);
    expect(layout.strip).toEqual({ width: 0, height: 0 });
    expect(layout.main.height).toBe(desktop.height);
  });
});

describe('mainTileKey', () => {
  const tile = (
    key: string,
    extra: Partial<{ source: 'camera' | 'screen'; isSelf: boolean; isActiveSpeaker: boolean }>,
  ) => ({
    key,
    source: 'camera' as const,
    isSelf: false,
    isActiveSpeaker: false,
    ...extra,
  });

  it('prefers a shared screen, then the person speaking, then someone else than oneself', () => {
    const me = tile('me', { isSelf: true, isActiveSpeaker: true });
    const ana = tile('ana', {});
    const bob = tile('bob', { isActiveSpeaker: true });
    expect(mainTileKey([me, ana, bob, tile('screen', { source: 'screen' })])).toBe('screen');
    expect(mainTileKey([me, ana, bob])).toBe('bob');
    expect(mainTileKey([me, ana])).toBe('ana');
    expect(mainTileKey([me])).toBe('me');
    expect(mainTileKey([])).toBeNull();
  });

  it('shows the member given the floor large, before whoever the audio says speaks, never oneself', () => {
    const me = { ...tile('me', { isSelf: true }), memberId: 'M' };
    const ana = { ...tile('ana', {}), memberId: 'A' };
    const bob = { ...tile('bob', { isActiveSpeaker: true }), memberId: 'B' };
    expect(mainTileKey([me, ana, bob], 'A')).toBe('ana');
    expect(mainTileKey([me, ana, bob, tile('screen', { source: 'screen' })], 'A')).toBe('screen');
    expect(mainTileKey([me, ana, bob], 'M')).toBe('bob');
    expect(mainTileKey([me, ana, bob], null)).toBe('bob');
  });
});
