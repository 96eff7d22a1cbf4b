import { useRef, type CSSProperties, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useElementSize } from '../ui/useElementSize.ts';
import { gridLayout, mainTileKey, speakerLayout, type StageLayoutKind } from './stageLayout.ts';
import { Tile } from './Tile.tsx';
import './stage.css';
import type { TileModel } from './tiles.ts';

function sized(width: number, height: number): CSSProperties {
  return { '--tile-w': `${width}px`, '--tile-h': `${height}px` } as CSSProperties;
}

/**
 * The videos. Tile sizes come from the stage's measured size (stageLayout.ts),
 * so two people fill a laptop's stage or a phone's instead of two small boxes.
 * Until the stage is measured (first paint), the stylesheet's auto grid shows them.
 */
export function Stage(props: {
  tiles: readonly TileModel[];
  layout: StageLayoutKind;
  speakerId: string | null;
  /** In a committee session, the member given the floor: shown large in the speaker layout. */
  floorSpeakerId?: string | null;
}): ReactNode {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const size = useElementSize(box);
  const measured = size.width > 0 && size.height > 0;
  const { tiles } = props;

  let content: ReactNode;
  if (props.layout === 'speaker' && tiles.length > 1) {
    const mainKey = mainTileKey(tiles, props.floorSpeakerId ?? null);
    const main = tiles.filter((tile) => tile.key === mainKey);
    const others = tiles.filter((tile) => tile.key !== mainKey);
    const layout = speakerLayout(size, others.length);
    content = (
      <>
        <ul
          className="stage-main"
          style={measured ? sized(layout.main.width, layout.main.height) : undefined}
        >
          {main.map((tile) => (
            <Tile key={tile.key} tile={tile} speakerId={props.speakerId} />
          ))}
        </ul>
        <ul
          className="filmstrip"
          aria-label={t('stage.others')}
          style={measured ? sized(layout.strip.width, layout.strip.height) : undefined}
        >
          {others.map((tile) => (
            <Tile key={tile.key} tile={tile} speakerId={props.speakerId} />
          ))}
        </ul>
      </>
    );
  } else {
    const layout = gridLayout(size, tiles.length);
    const style = measured
      ? { ...sized(layout.tile.width, layout.tile.height), '--columns': String(layout.columns) }
      : undefined;
    content = (
      <ul className="grid" data-count={Math.min(tiles.length, 9)} style={style}>
        {tiles.map((tile) => (
          <Tile key={tile.key} tile={tile} speakerId={props.speakerId} />
        ))}
      </ul>
    );
  }

  return (
    <div
      ref={box}
      className={`stage-box ${measured ? 'stage-measured' : ''}`}
      data-testid="stage"
      data-layout={props.layout === 'speaker' && tiles.length > 1 ? 'speaker' : 'grid'}
    >
      {content}
    </div>
  );
}
