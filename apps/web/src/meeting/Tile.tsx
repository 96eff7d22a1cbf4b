import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { TrackAudio, TrackVideo } from '../ui/MediaElements.tsx';
import { initialsOf, type TileModel } from './tiles.ts';

export function Tile(props: { tile: TileModel; speakerId: string | null }): ReactNode {
  const { t } = useTranslation();
  const { tile } = props;
  const title =
    tile.source === 'screen'
      ? tile.isSelf
        ? t('meeting.yourScreen')
        : t('meeting.screenOf', { name: tile.displayName })
      : tile.isSelf
        ? `${tile.displayName} ${t('meeting.you')}`
        : tile.displayName;
  const states = [
    tile.isActiveSpeaker ? t('meeting.speaking') : null,
    tile.source === 'camera' && tile.audioMuted ? t('meeting.micMuted') : null,
    tile.source === 'camera' && tile.videoOff ? t('meeting.cameraOff') : null,
  ].filter((s): s is string => s !== null);
  const label = [title, ...states].join(', ');
  const videoTestId = tile.isSelf
    ? tile.source === 'camera'
      ? 'local-video'
      : 'local-screen-video'
    : 'remote-video';
  const classes = [
    'tile',
    `tile-${tile.source}`,
    tile.isActiveSpeaker ? 'tile-speaking' : '',
    tile.videoOff ? 'tile-video-off' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <li
      className={classes}
      data-testid="tile"
      data-member-id={tile.memberId}
      data-source={tile.source}
      data-display-name={tile.displayName}
      data-self={tile.isSelf ? 'true' : 'false'}
      data-active-speaker={tile.isActiveSpeaker ? 'true' : 'false'}
      aria-label={label}
    >
      {tile.source === 'camera' ? (
        <div className="tile-avatar" aria-hidden="true">
          <span>{initialsOf(tile.displayName)}</span>
        </div>
      ) : null}
      {tile.videoTrack ? (
        <TrackVideo
          track={tile.videoTrack}
          testId={videoTestId}
          mirrored={tile.isSelf && tile.source === 'camera'}
          hidden={tile.videoOff}
          className={tile.source === 'screen' ? 'media-contain' : ''}
        />
      ) : null}
      {tile.audioTrack && !tile.isSelf ? (
        <TrackAudio track={tile.audioTrack} sinkId={props.speakerId} testId="remote-audio" />
      ) : null}
      <div className="tile-caption" aria-hidden="true">
        <span className="tile-name">{title}</span>
        {tile.isActiveSpeaker ? <span className="badge badge-speaking">{t('meeting.speaking')}</span> : null}
        {tile.source === 'camera' && tile.audioMuted ? (
          <span className="badge badge-muted">{t('meeting.micMuted')}</span>
        ) : null}
      </div>
    </li>
  );
}
