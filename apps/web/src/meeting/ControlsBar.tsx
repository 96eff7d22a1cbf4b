import type { ReactNode, Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../media/meetingState.ts';
import { Icon } from '../ui/Icon.tsx';

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

/** The meeting's buttons; toggles say their state with aria-pressed (pressed = on). */
export function ControlsBar(props: {
  local: MeetingState['local'];
  actions: ControlActions;
  chat: ChatToggle;
}): ReactNode {
  const { t } = useTranslation();
  const { microphone, camera, screen } = props.local;
  return (
    <div className="controls" role="group" aria-label={t('controls.toolbar')}>
      <button
        type="button"
        className={`button control ${microphone.active ? 'control-on' : 'control-off'}`}
        data-testid="toggle-mic"
        aria-pressed={microphone.active}
        onClick={props.actions.toggleMicrophone}
      >
        <Icon name={microphone.active ? 'mic' : 'micOff'} />
        {t('controls.microphone')}
      </button>
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
      {canShareScreen() ? (
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
      ) : null}
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
  );
}
