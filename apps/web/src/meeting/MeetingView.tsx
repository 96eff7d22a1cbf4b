import { useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { EndReason } from '../media/meetingState.ts';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { ControlsBar, type ControlActions } from './ControlsBar.tsx';
import { ParticipantsPanel } from './ParticipantsPanel.tsx';
import { Tile } from './Tile.tsx';
import { selectTiles } from './tiles.ts';
import { useAnnouncements } from './useAnnouncements.ts';

function endMessageKey(reason: EndReason): ParseKeys {
  switch (reason) {
    case 'ended':
    case 'left':
      return 'ended.ended';
    case 'media-server-restarted':
      return 'ended.mediaRestarted';
    case 'connection-lost':
      return 'ended.connectionLost';
    case 'refused':
    case 'failed':
      return 'ended.failed';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

export function MeetingView(props: {
  client: MeetingClient;
  meetingId: string;
  speakerId: string | null;
  alert: ParseKeys | null;
  /** Why the session could not go on, when a failure ended it. */
  endMessage: ParseKeys | null;
  actions: ControlActions;
  onRejoin: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const state = useSyncExternalStore(props.client.subscribe, props.client.getSnapshot);
  const announcement = useAnnouncements(props.client);
  const tiles = useMemo(() => selectTiles(state), [state]);
  const heading = useRef<HTMLHeadingElement>(null);
  const phase = state.phase.name;
  useDocumentTitle(t('meeting.title'));
  // The join button the focus was on is gone: start from the meeting's heading.
  useEffect(() => {
    if (phase === 'joined' || phase === 'ended') {
      heading.current?.focus();
    }
  }, [phase]);

  const liveRegion = (
    <div className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {announcement}
    </div>
  );

  switch (state.phase.name) {
    case 'idle':
    case 'connecting':
      return (
        <section className="meeting-status">
          <p role="status" className="connecting" data-testid="meeting-connecting">
            {t('meeting.connecting')}
          </p>
        </section>
      );
    case 'ended':
      return (
        <section className="meeting-status" data-testid="meeting-ended" data-end-reason={state.phase.reason}>
          <h1 ref={heading} tabIndex={-1}>
            {t(endMessageKey(state.phase.reason))}
          </h1>
          {props.endMessage ? (
            <p className="notice notice-error" role="alert">
              {t(props.endMessage)}
            </p>
          ) : null}
          <div className="actions">
            <button
              type="button"
              className="button button-primary"
              data-testid="rejoin-button"
              onClick={props.onRejoin}
            >
              {t('ended.rejoin')}
            </button>
            <Link to="/" className="button">
              {t('ended.home')}
            </Link>
          </div>
          {liveRegion}
        </section>
      );
    case 'joined':
      return (
        <div className="meeting" data-testid="meeting">
          <h1 ref={heading} tabIndex={-1} className="visually-hidden">
            {t('meeting.title')}
          </h1>
          <section className="stage" aria-label={t('meeting.stage')}>
            <ul className="grid" data-count={Math.min(tiles.length, 9)}>
              {tiles.map((tile) => (
                <Tile key={tile.key} tile={tile} speakerId={props.speakerId} />
              ))}
            </ul>
          </section>
          <div className="controls-area">
            {props.alert ? (
              <p className="notice notice-error" role="alert" data-testid="meeting-alert">
                {t(props.alert)}
              </p>
            ) : null}
            <ControlsBar local={state.local} actions={props.actions} />
          </div>
          {/* After the controls in the tab order; placed on the side by the grid. */}
          <ParticipantsPanel meetingId={props.meetingId} tiles={tiles} />
          {liveRegion}
        </div>
      );
    default: {
      const unreachable: never = state.phase;
      return unreachable;
    }
  }
}
