import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, requestJoinToken } from '../api/meetingsApi.ts';
import { JoinPage, type JoinChoices } from '../join/JoinPage.tsx';
import type { TakenTracks } from '../join/useMediaPreview.ts';
import { createConsoleLogger } from '../logger.ts';
import { MeetingClient } from '../media/MeetingClient.ts';
import { isAccessRefusal, MeetingError } from '../media/MeetingError.ts';
import { createSocketIoFactory } from '../media/RoomConnection.ts';
import type { ControlActions } from '../meeting/ControlsBar.tsx';
import { MeetingView } from '../meeting/MeetingView.tsx';
import { installMeetingHooks } from '../meeting/testHooks.ts';
import { errorMessageKey } from '../ui/errorMessages.ts';
import { LeftPage } from './LeftPage.tsx';

/** How long a control error stays on screen. */
const ALERT_MS = 6_000;

type View =
  | { name: 'join'; busy: boolean; error: string | null }
  | { name: 'meeting'; client: MeetingClient }
  | { name: 'left' };

function stopTracks(tracks: TakenTracks): void {
  tracks.audio?.stop();
  tracks.video?.stop();
}

/**
 * `/m/:id`: the join page, then the meeting, then "you left". Owns the one
 * MeetingClient of the page and closes it when the page goes away.
 */
export function MeetingRoute(props: { meetingId: string }): ReactNode {
  const { t } = useTranslation();
  const [view, setView] = useState<View>({ name: 'join', busy: false, error: null });
  const [alert, setAlert] = useState<string | null>(null);
  const [endMessage, setEndMessage] = useState<string | null>(null);
  const choices = useRef<JoinChoices | null>(null);
  const clientRef = useRef<MeetingClient | null>(null);

  useEffect(
    () => () => {
      clientRef.current?.close();
      clientRef.current = null;
    },
    [],
  );

  useEffect(() => {
    if (alert === null) {
      return undefined;
    }
    const timer = setTimeout(() => setAlert(null), ALERT_MS);
    return () => clearTimeout(timer);
  }, [alert]);

  const showError = useCallback(
    (error: unknown) => {
      setAlert(t(errorMessageKey(MeetingError.from(error).reason)));
    },
    [t],
  );

  const join = useCallback(
    async (chosen: JoinChoices, tracks: TakenTracks): Promise<void> => {
      choices.current = chosen;
      setEndMessage(null);
      setView({ name: 'join', busy: true, error: null });
      let token: string;
      try {
        token = (await requestJoinToken(props.meetingId, chosen.displayName)).token;
      } catch (error) {
        stopTracks(tracks);
        const reason = error instanceof ApiError ? error.reason : 'network';
        const message = reason === 'invalid-payload' ? t('errors.invalidName') : t(errorMessageKey(reason));
        setView({ name: 'join', busy: false, error: message });
        return;
      }

      clientRef.current?.close();
      const client = new MeetingClient({
        token,
        socketFactory: createSocketIoFactory(),
        logger: createConsoleLogger('meeting'),
      });
      clientRef.current = client;
      const uninstall = installMeetingHooks(client);
      setView({ name: 'meeting', client });

      try {
        await client.join();
      } catch (error) {
        stopTracks(tracks);
        uninstall();
        const failure = MeetingError.from(error);
        if (failure.reason === 'closed') {
          return;
        }
        if (isAccessRefusal(failure.reason)) {
          setView({ name: 'join', busy: false, error: t('errors.notFound') });
        } else {
          setEndMessage(t(errorMessageKey(failure.reason)));
        }
        return;
      }

      // Media start after the join: a missing camera must not keep anyone out.
      const wantsDevices = !chosen.mediaDenied || tracks.audio !== null || tracks.video !== null;
      if (wantsDevices) {
        await client
          .startMicrophone({ track: tracks.audio, deviceId: chosen.microphoneId, muted: chosen.startMuted })
          .catch(showError);
        if (chosen.startCameraOff) {
          tracks.video?.stop();
        } else {
          await client.startCamera({ track: tracks.video, deviceId: chosen.cameraId }).catch(showError);
        }
      }
    },
    [props.meetingId, showError, t],
  );

  const rejoin = useCallback(() => {
    const previous = choices.current;
    if (previous) {
      void join(previous, { audio: null, video: null });
    } else {
      setView({ name: 'join', busy: false, error: null });
    }
  }, [join]);

  const client = view.name === 'meeting' ? view.client : null;
  const actions: ControlActions = {
    toggleMicrophone: () => {
      client?.setMicrophoneEnabled(!client.state.local.microphone.active).catch(showError);
    },
    toggleCamera: () => {
      client?.setCameraEnabled(!client.state.local.camera.active).catch(showError);
    },
    toggleScreen: () => {
      if (!client) {
        return;
      }
      const running = client.state.local.screen.active ? client.stopScreenShare() : client.startScreenShare();
      running.catch(showError);
    },
    leave: () => {
      if (!client) {
        return;
      }
      void client.leave().then(() => {
        if (clientRef.current === client) {
          clientRef.current = null;
        }
        if (window.__meeting) {
          delete window.__meeting;
        }
        setView({ name: 'left' });
      });
    },
  };

  switch (view.name) {
    case 'join':
      return (
        <JoinPage
          meetingId={props.meetingId}
          busy={view.busy}
          error={view.error}
          initial={choices.current}
          onJoin={(chosen, tracks) => void join(chosen, tracks)}
        />
      );
    case 'meeting':
      return (
        <MeetingView
          client={view.client}
          meetingId={props.meetingId}
          speakerId={choices.current?.speakerId ?? null}
          alert={alert}
          endMessage={endMessage}
          actions={actions}
          onRejoin={rejoin}
        />
      );
    case 'left':
      return <LeftPage onRejoin={rejoin} />;
    default: {
      const unreachable: never = view;
      return unreachable;
    }
  }
}
