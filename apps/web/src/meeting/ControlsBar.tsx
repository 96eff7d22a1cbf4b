import { useEffect, useId, useState, type ReactNode, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { FloorControl } from '../committee/useFloorControl.ts';
import type { MeetingState } from '../media/meetingState.ts';
import { Icon } from '../ui/Icon.tsx';
import { useMediaQuery } from '../ui/useMediaQuery.ts';
import type { HostControlItems } from './HostControls.tsx';
import { MoreMenu } from './MoreMenu.tsx';
import './stage.css';

/**
 * Below this width the secondary actions (screen share, layout, moderation)
 * go into a « Plus » menu, so the bar stays one row of large touch targets.
 */
export const COMPACT_CONTROLS_QUERY = '(max-width: 640px)';

/** How long the « ask for the floor » message stays after the microphone was pressed without it. */
export const FLOOR_HINT_MS = 8_000;

export interface ControlActions {
  toggleMicrophone: () => void;
  toggleCamera: () => void;
  toggleScreen: () => void;
  leave: () => void;
}

function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

/** The chat toggle: it opens and closes the panel it controls. */
export interface ChatToggle {
  open: boolean;
  unread: number;
  /** The id of the chat panel. */
  controls: string;
  toggle: () => void;
  /** Where the focus goes back when the panel closes. */
  buttonRef?: Ref<HTMLButtonElement>;
}

/** The stage's layout: a grid of equal tiles, or one large tile and a strip. */
export interface LayoutToggle {
  speaker: boolean;
  toggle: () => void;
}

/**
 * The meeting's one controls bar: one's own devices, the chat, the layout,
 * the moderation of hosts and co-hosts, and leaving. Toggles say their state
 * with aria-pressed (pressed = on). On a narrow screen the secondary actions
 * go into « Plus ».
 */
export function ControlsBar(props: {
  local: MeetingState['local'];
  actions: ControlActions;
  chat: ChatToggle;
  layout: LayoutToggle;
  /** The moderation buttons (useHostControls), for hosts and co-hosts. */
  host: HostControlItems | null;
  /** A committee member's floor (useFloorControl): the raised hand, and why the microphone is closed. */
  floor?: FloorControl | null;
}): ReactNode {
  const { t } = useTranslation();
  const compact = useMediaQuery(COMPACT_CONTROLS_QUERY);
  const { microphone, camera, screen } = props.local;
  const floor = props.floor ?? null;
  const needsFloor = floor?.needsFloor ?? false;
  const floorHintId = useId();
  const [floorHint, setFloorHint] = useState(false);
  useEffect(() => {
    if (!floorHint) {
      return undefined;
    }
    const timer = setTimeout(() => setFloorHint(false), FLOOR_HINT_MS);
    return () => clearTimeout(timer);
  }, [floorHint]);
  // Without the floor the server keeps the microphone closed: say how to get it rather than fail.
  const toggleMicrophone = (): void => {
    if (needsFloor && !microphone.active) {
      setFloorHint(true);
      return;
    }
    props.actions.toggleMicrophone();
  };
  const share = canShareScreen() ? (
    <button
      type="button"
      className={`button control ${screen.active ? 'control-sharing' : ''}`}
      data-testid="toggle-screen"
      aria-pressed={screen.active}
      onClick={props.actions.toggleScreen}
    >
      <Icon name="screen" />
      {screen.active ? t('controls.stopShare') : t('controls.shareScreen')}
    </button>
  ) : null;
  const layout = (
    <button
      type="button"
      className={`button control ${props.layout.speaker ? 'control-sharing' : ''}`}
      data-testid="toggle-layout"
      aria-pressed={props.layout.speaker}
      onClick={props.layout.toggle}
    >
      <Icon name="speaker" />
      {t('stage.speakerView')}
    </button>
  );
  const secondary = (
    <>
      {share}
      {layout}
      {props.host?.buttons}
    </>
  );
  return (
    <>
      {floorHint && needsFloor ? (
        <p className="notice floor-needed" role="status" data-testid="mic-needs-floor">
          {t('committee.floor.micNeedsFloor')}
        </p>
      ) : null}
      {floor?.failed ? (
        <p className="notice notice-error" role="alert" data-testid="raise-hand-failed">
          {t('committee.floor.handFailed')}
        </p>
      ) : null}
      <div
        className={`controls ${compact ? 'controls-compact' : ''}`}
        role="group"
        aria-label={t('controls.toolbar')}
      >
        <button
          type="button"
          className={`button control ${microphone.active ? 'control-on' : 'control-off'}`}
          data-testid="toggle-mic"
          aria-pressed={microphone.active}
          aria-describedby={needsFloor ? floorHintId : undefined}
          data-needs-floor={needsFloor}
          onClick={toggleMicrophone}
        >
          <Icon name={microphone.active ? 'mic' : 'micOff'} />
          {t('controls.microphone')}
          {needsFloor ? (
            <span id={floorHintId} className="visually-hidden">
              {t('committee.floor.mutedUntilFloor')}
            </span>
          ) : null}
        </button>
        {floor !== null && !floor.speaking ? (
          <button
            type="button"
            className={`button control control-hand ${floor.handRaised ? 'control-sharing' : ''}`}
            data-testid="controls-raise-hand"
            aria-pressed={floor.handRaised}
            disabled={floor.busy}
            onClick={floor.toggleHand}
          >
            {t('committee.floor.raiseHand')}
          </button>
        ) : null}
        <button
          type="button"
          className={`button control ${camera.active ? 'control-on' : 'control-off'}`}
          data-testid="toggle-camera"
          aria-pressed={camera.active}
          onClick={props.actions.toggleCamera}
        >
          <Icon name={camera.active ? 'camera' : 'cameraOff'} />
          {t('controls.camera')}
        </button>
        <button
          type="button"
          className={`button control ${props.chat.open ? 'control-sharing' : ''}`}
          ref={props.chat.buttonRef}
          data-testid="toggle-chat"
          aria-expanded={props.chat.open}
          aria-controls={props.chat.controls}
          onClick={props.chat.toggle}
        >
          <Icon name="chat" />
          {t('chat.toggle')}
          {props.chat.unread > 0 ? (
            <span className="badge badge-unread" data-testid="chat-unread">
              {t('chat.unread', { count: props.chat.unread })}
            </span>
          ) : null}
        </button>
        {compact ? <MoreMenu label={t('stage.more')}>{secondary}</MoreMenu> : secondary}
        <button
          type="button"
          className="button control control-leave"
          data-testid="leave-button"
          onClick={props.actions.leave}
        >
          <Icon name="leave" />
          {t('controls.leave')}
        </button>
      </div>
      {props.host?.dialog}
    </>
  );
}
