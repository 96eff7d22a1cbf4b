/**
 * Tile sizes for the meeting stage, computed from the stage's own size so the
 * videos use the space there is (a CSS auto-fit grid leaves most of a tall or
 * wide stage empty). Pure functions: unit-tested without a browser.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * The shapes a tile may take. Cameras send 4:3 or 16:9; a tile between the two
 * shows either with little cropping (object-fit: cover), and lets the tiles
 * take more of the stage than a fixed 16:9 would.
 */
export const TILE_ASPECT = { min: 4 / 3, max: 16 / 9 } as const;

/** Space between tiles, in CSS pixels (the stylesheet's gap must match). */
export const TILE_GAP_PX = 12;

/** Below this height the speaker layout's strip of other tiles would be unreadable. */
export const STRIP_MIN_HEIGHT_PX = 72;
export const STRIP_MAX_HEIGHT_PX = 160;
/** Narrower than this, the strip's tiles stop shrinking and the strip scrolls instead. */
export const STRIP_MIN_TILE_WIDTH_PX = 96;
/** The strip takes this share of the stage's height (within the bounds above). */
export const STRIP_SHARE = 0.22;
/** The main tile is at least this many times as tall as the strip's tiles. */
export const MAIN_TO_STRIP_HEIGHT = 2.5;

export interface GridLayout {
  readonly kind: 'grid';
  readonly columns: number;
  readonly rows: number;
  readonly tile: Size;
}

export interface SpeakerLayout {
  readonly kind: 'speaker';
  readonly main: Size;
  /** Each tile of the strip (the others); zero-sized when there are none. */
  readonly strip: Size;
}

export type StageLayoutKind = 'grid' | 'speaker';

/** The largest box with a tile's shape inside a cell: the cell itself when its shape is allowed. */
export function fitTile(cell: Size): Size {
  if (cell.width <= 0 || cell.height <= 0) {
    return { width: 0, height: 0 };
  }
  const aspect = cell.width / cell.height;
  if (aspect > TILE_ASPECT.max) {
    return { width: cell.height * TILE_ASPECT.max, height: cell.height };
  }
  if (aspect < TILE_ASPECT.min) {
    return { width: cell.width, height: cell.width / TILE_ASPECT.min };
  }
  return { width: cell.width, height: cell.height };
}

/**
 * The grid that gives `count` tiles the most area in `stage`: every column
 * count is tried (a handful at meeting sizes), the tiles keep an allowed shape.
 * On a tie, fewer empty cells wins.
 */
export function gridLayout(stage: Size, count: number, gap = TILE_GAP_PX): GridLayout {
  const n = Math.max(1, Math.floor(count));
  let best: GridLayout = { kind: 'grid', columns: 1, rows: n, tile: { width: 0, height: 0 } };
  let bestArea = -1;
  let bestEmpty = Number.POSITIVE_INFINITY;
  for (let columns = 1; columns <= n; columns += 1) {
    const rows = Math.ceil(n / columns);
    const cell = {
      width: (stage.width - gap * (columns - 1)) / columns,
      height: (stage.height - gap * (rows - 1)) / rows,
    };
    const tile = fitTile(cell);
    const area = floorSize(tile).width * floorSize(tile).height;
    const empty = columns * rows - n;
    if (area > bestArea || (area === bestArea && empty < bestEmpty)) {
      best = { kind: 'grid', columns, rows, tile: floorSize(tile) };
      bestArea = area;
      bestEmpty = empty;
    }
  }
  return best;
}

/**
 * One tile large (a shared screen or whoever speaks), the `others` in a strip
 * below it. The strip's tiles shrink to fit the width; beyond that the strip
 * scrolls by itself (never the page).
 */
export function speakerLayout(stage: Size, others: number, gap = TILE_GAP_PX): SpeakerLayout {
  const k = Math.max(0, Math.floor(others));
  if (k === 0) {
    return { kind: 'speaker', main: floorSize(fitTile(stage)), strip: { width: 0, height: 0 } };
  }
  const share = clamp(stage.height * STRIP_SHARE, STRIP_MIN_HEIGHT_PX, STRIP_MAX_HEIGHT_PX);
  // On a phone held upright the main tile is as wide as the screen and no taller:
  // the strip then stays well below it, so the main tile remains the one to look at.
  const mainHeight = fitTile({ width: stage.width, height: stage.height - share - gap }).height;
  const stripHeight = clamp(mainHeight / MAIN_TO_STRIP_HEIGHT, STRIP_MIN_HEIGHT_PX, share);
  const widthEach = (stage.width - gap * (k - 1)) / k;
  const fitted = fitTile({ width: widthEach, height: stripHeight });
  const strip =
    fitted.width >= STRIP_MIN_TILE_WIDTH_PX
      ? fitted
      : { width: STRIP_MIN_TILE_WIDTH_PX, height: STRIP_MIN_TILE_WIDTH_PX / TILE_ASPECT.min };
  const main = fitTile({ width: stage.width, height: stage.height - strip.height - gap });
  return { kind: 'speaker', main: floorSize(main), strip: floorSize(strip) };
}

/**
 * The tile shown large in the speaker layout: a shared screen (it carries the
 * content), else the member the committee's chair gave the floor to (not
 * oneself: one does not watch oneself speak), else whoever speaks, else the
 * first other person, else oneself.
 */
export function mainTileKey(
  tiles: ReadonlyArray<{
    key: string;
    source: 'camera' | 'screen';
    isSelf: boolean;
    isActiveSpeaker: boolean;
    memberId?: string;
  }>,
  floorSpeakerId: string | null = null,
): string | null {
  const pick =
    tiles.find((t) => t.source === 'screen') ??
    tiles.find(
      (t) => floorSpeakerId !== null && t.memberId === floorSpeakerId && t.source === 'camera' && !t.isSelf,
    ) ??
    tiles.find((t) => t.isActiveSpeaker && !t.isSelf) ??
    tiles.find((t) => !t.isSelf) ??
    tiles[0];
  return pick?.key ?? null;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Whole pixels, so rounding never makes the tiles overflow the stage. */
function floorSize(size: Size): Size {
  return { width: Math.max(0, Math.floor(size.width)), height: Math.max(0, Math.floor(size.height)) };
}
