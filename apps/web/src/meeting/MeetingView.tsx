import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { CommitteePanel } from '../committee/CommitteePanel.tsx';
import type { CommitteeKeyHolder } from '../committee/CommitteeKeyHolder.ts';
import type { E2eeSession } from '../e2ee/E2eeSession.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { EndReason } from '../media/meetingState.ts';
import { Link } from '../ui/Link.tsx';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { ControlsBar, type ControlActions } from './ControlsBar.tsx';
import { ChatPanel } from './ChatPanel.tsx';
import { E2eeIndicator } from './E2eeIndicator.tsx';
import { ParticipantsPanel } from './ParticipantsPanel.tsx';
import { Stage } from './Stage.tsx';
import type { StageLayoutKind } from './stageLayout.ts';
import type { WaitingRoomHost } from './waitingRoom.ts';
import { selectTiles } from './tiles.ts';
import { useAnnouncements } from './useAnnouncements.ts';
import { useChatAnnouncements } from './useChatAnnouncements.ts';
import { useHostControls } from './HostControls.tsx';
import { useFloorControl } from '../committee/useFloorControl.ts';
import { LobbyPanel } from './LobbyPanel.tsx';
import { LobbyWaiting } from './LobbyWaiting.tsx';
import { RecordingsLibrary } from '../recording/RecordingsLibrary.tsx';
import { useRoomCommittee } from '../recording/useRoomCommittee.ts';

/**
 * Ends after which joining again can only be refused (the member's access was revoked, the
 * meeting is over for everyone): the screen says what to do instead and offers no button for it.
 */
function finalEndNextKey(reason: EndReason): ParseKeys | null {
  switch (reason) {
    case 'removed':
      return 'ended.removedNext';
    case 'ended':
      return 'ended.endedNext';
    default:
      return null;
  }
}

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
    case 'removed':
      return 'ended.removed';
    case 'admission-refused':
      return 'ended.admissionRefused';
    case 'token-expired':
      return 'ended.tokenExpired';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/**
 * While the engine repairs audio and video (a network blip, or the media
 * server rebuilding the room), said politely and shown; the region stays in
 * the page so that screen readers announce the change.
 */
function MediaStatusNotice(props: { reconnecting: boolean }): ReactNode {
  const { t } = useTranslation();
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="media-status"
      data-media={props.reconnecting ? 'reconnecting' : 'connected'}
    >
      {props.reconnecting ? (
        <p className="notice notice-warning">
          <span data-testid="media-reconnecting">{t('meeting.reconnectingMedia')}</span>{' '}
          {t('meeting.reconnectingMediaHint')}
        </p>
      ) : null}
    </div>
  );
}

export function MeetingView(props: {
  client: MeetingClient;
  session: E2eeSession;
  /** The committee secret of this meeting in this browser (minutes and recordings). */
  committeeKey: CommitteeKeyHolder;
  /** The invite link's secret, for the link shown to copy. */
  linkSecret: string | null;
  meetingId: string;
  /** The open meeting's own link may be shared; invite-only meetings are shared from the dashboard. */
  showInvite: boolean;
  speakerId: string | null;
  alert: ParseKeys | null;
  /** Why the session could not go on, when a failure ended it. */
  endMessage: ParseKeys | null;
  actions: ControlActions;
  onRejoin: () => void;
  /** The page's flow, for the waiting room (the meeting's title, the devices to test). */
  waitingRoom?: WaitingRoomHost;
}): ReactNode {
  const { t } = useTranslation();
  const state = useSyncExternalStore(props.client.subscribe, props.client.getSnapshot);
  const e2ee = useSyncExternalStore(props.session.subscribe, props.session.getSnapshot);
  const committeeKey = useSyncExternalStore(props.committeeKey.subscribe, props.committeeKey.getSnapshot);
  const announcement = useAnnouncements(props.client);
  const [chatOpen, setChatOpen] = useState(false);
  const chat = useChatAnnouncements(props.session, chatOpen);
  const chatId = useId();
  const chatButton = useRef<HTMLButtonElement>(null);
  const closeChat = useCallback(() => {
    setChatOpen(false);
    chatButton.current?.focus();
  }, []);
  const session = props.session;
  const sendChat = useCallback((text: string) => session.sendChat(text), [session]);
  const tiles = useMemo(() => selectTiles(state), [state]);
  // A committee session: the cockpit beside the stage, whoever has the floor shown large.
  const committee = useRoomCommittee(props.client);
  const floorSpeakerId = committee?.floor.speaker ?? null;
  const heading = useRef<HTMLHeadingElement>(null);
  // Until the person chooses, a shared screen (or the member given the floor) is shown large and
  // everyone else in a grid.
  const [layoutChoice, setLayoutChoice] = useState<StageLayoutKind | null>(null);
  const layout: StageLayoutKind =
    layoutChoice ??
    (tiles.some((tile) => tile.source === 'screen') ||
    (floorSpeakerId !== null && tiles.some((tile) => tile.memberId === floorSpeakerId && !tile.isSelf))
      ? 'speaker'
      : 'grid');
  const [hostError, setHostError] = useState<ParseKeys | null>(null);
  const host = useHostControls({ client: props.client, state, onError: setHostError });
  // A committee member: the raised hand beside the microphone, which opens once given the floor.
  const floor = useFloorControl(props.client, state.self);
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
    case 'waiting':
      return (
        <LobbyWaiting
          reason={state.phase.reason}
          onLeave={props.actions.leave}
          waitingRoom={props.waitingRoom}
          lobbyChat={props.session.lobbyChat}
        >
          {liveRegion}
        </LobbyWaiting>
      );
    case 'idle':
    case 'connecting':
      return (
        <section className="meeting-status">
          <p role="status" className="connecting" data-testid="meeting-connecting">
            {t('meeting.connecting')}
          </p>
        </section>
      );
    case 'ended': {
      const finalNext = finalEndNextKey(state.phase.reason);
      return (
        <section className="meeting-status" data-testid="meeting-ended" data-end-reason={state.phase.reason}>
          <h1 ref={heading} tabIndex={-1}>
            {t(endMessageKey(state.phase.reason))}
          </h1>
          {finalNext ? <p data-testid="ended-next">{t(finalNext)}</p> : null}
          {props.endMessage ? (
            <p className="notice notice-error" role="alert">
              {t(props.endMessage)}
            </p>
          ) : null}
          <div className="actions">
            {finalNext ? null : (
              <button
                type="button"
                className="button button-primary"
                data-testid="rejoin-button"
                onClick={props.onRejoin}
              >
                {t('ended.rejoin')}
              </button>
            )}
            <Link to="/" className={finalNext ? 'button button-primary' : 'button'}>
              {t('ended.home')}
            </Link>
          </div>
          {liveRegion}
        </section>
      );
    }
    case 'joined':
      return (
        <div className={`meeting${committee !== null ? ' meeting-committee' : ''}`} data-testid="meeting">
          <h1 ref={heading} tabIndex={-1} className="visually-hidden">
            {t('meeting.title')}
          </h1>
          <section className="stage" aria-label={t('meeting.stage')}>
            <Stage
              tiles={tiles}
              layout={layout}
              speakerId={props.speakerId}
              floorSpeakerId={floorSpeakerId}
            />
          </section>
          <div className="controls-area">
            <MediaStatusNotice reconnecting={state.phase.media === 'reconnecting'} />
            {props.alert ? (
              <p className="notice notice-error" role="alert" data-testid="meeting-alert">
                {t(props.alert)}
              </p>
            ) : null}
            {host && state.room.locked ? (
              <p className="room-locked-notice" data-testid="room-locked">
                <span className="badge badge-alert">{t('moderation.lockedShort')}</span>{' '}
                {t('moderation.locked')}
              </p>
            ) : null}
            {hostError ? (
              <p className="notice notice-error" role="alert" data-testid="moderation-error">
                {t('moderation.failedAction')} {t(hostError)}
              </p>
            ) : null}
            <ControlsBar
              local={state.local}
              actions={props.actions}
              host={host}
              floor={floor}
              layout={{
                speaker: layout === 'speaker',
                toggle: () => setLayoutChoice(layout === 'speaker' ? 'grid' : 'speaker'),
              }}
              chat={{
                open: chatOpen,
                unread: chat.unread,
                controls: chatId,
                toggle: () => (chatOpen ? closeChat() : setChatOpen(true)),
                buttonRef: chatButton,
              }}
            />
          </div>
          {/* After the controls in the tab order; placed on the side by the grid. In a committee
              session the cockpit comes first there, the rest below it (meeting/stage.css). */}
          <div className="meeting-side">
            <CommitteePanel
              client={props.client}
              state={state}
              meetingId={props.meetingId}
              committeeKey={committeeKey}
            />
            <aside className="sidebar" aria-label={t('meeting.sidebar')}>
              <E2eeIndicator
                snapshot={e2ee}
                sending={
                  state.local.microphone.active || state.local.camera.active || state.local.screen.active
                }
              />
              <LobbyPanel client={props.client} state={state} lobbyChat={props.session.lobbyChat} />
              <RecordingsLibrary
                client={props.client}
                meetingId={props.meetingId}
                committeeKey={committeeKey}
              />
              <ChatPanel
                id={chatId}
                expanded={chatOpen}
                messages={e2ee.chat}
                onSend={sendChat}
                onClose={closeChat}
              />
              <ParticipantsPanel
                meetingId={props.meetingId}
                tiles={tiles}
                e2ee={e2ee}
                linkSecret={props.linkSecret}
                showInvite={props.showInvite}
                client={props.client}
                state={state}
              />
            </aside>
          </div>
          {liveRegion}
          <div className="visually-hidden" role="status" aria-live="polite" data-testid="chat-announcer">
            {chat.announcement}
          </div>
        </div>
      );
    default: {
      const unreachable: never = state.phase;
      return unreachable;
    }
  }
}
