import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ParseKeys } from 'i18next';
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
import { createLocalIdentity } from '../e2ee/identity.ts';

/** How long a control error stays on screen. */
const ALERT_MS = 6_000;
/** After the media server lost the room, rejoin by ourselves after this delay... */
const AUTO_REJOIN_DELAY_MS = 1_000;
/** ...at most this many times within this window, then leave it to the person. */
const AUTO_REJOIN_MAX = 3;
const AUTO_REJOIN_WINDOW_MS = 60_000;

type View =
  | { name: 'join'; busy: boolean; error: ParseKeys | null }
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
  const [view, setView] = useState<View>({ name: 'join', busy: false, error: null });
  const [alert, setAlert] = useState<ParseKeys | null>(null);
  const [endMessage, setEndMessage] = useState<ParseKeys | null>(null);
  const choices = useRef<JoinChoices | null>(null);
  const clientRef = useRef<MeetingClient | null>(null);
  const autoRejoins = useRef<number[]>([]);

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

  const showError = useCallback((error: unknown) => {
    setAlert(errorMessageKey(MeetingError.from(error).reason));
  }, []);

  const join = useCallback(
    async (chosen: JoinChoices, takeTracks: () => TakenTracks, fromForm: boolean): Promise<void> => {
      choices.current = chosen;
      setEndMessage(null);
      if (fromForm) {
        setView({ name: 'join', busy: true, error: null });
      }
      let token: string;
      try {
        token = (await requestJoinToken(props.meetingId, chosen.displayName)).token;
      } catch (error) {
        // The preview keeps running: the person can correct and try again.
        const reason = error instanceof ApiError ? error.reason : 'network';
        setView({
          name: 'join',
          busy: false,
          error: reason === 'invalid-payload' ? 'errors.invalidName' : errorMessageKey(reason),
        });
        return;
      }
      const tracks = takeTracks();

      clientRef.current?.close();
      const identity = await createLocalIdentity();
      const client = new MeetingClient({
        token,
        identity: identity.publicKeys,
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
          setView({ name: 'join', busy: false, error: 'errors.notFound' });
        } else {
          setEndMessage(errorMessageKey(failure.reason));
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
    [props.meetingId, showError],
  );

  const rejoin = useCallback(() => {
    const previous = choices.current;
    if (previous) {
      void join(previous, () => ({ audio: null, video: null }), false);
    } else {
      setView({ name: 'join', busy: false, error: null });
    }
  }, [join]);

  // The design has clients rebuild a room the media server lost (a worker died).
  useEffect(() => {
    if (view.name !== 'meeting') {
      return undefined;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = view.client.on('state', (state) => {
      if (state.phase.name !== 'ended' || state.phase.reason !== 'media-server-restarted' || timer) {
        return;
      }
      const now = Date.now();
      const recent = autoRejoins.current.filter((at) => now - at < AUTO_REJOIN_WINDOW_MS);
      if (recent.length >= AUTO_REJOIN_MAX) {
        return;
      }
      autoRejoins.current = [...recent, now];
      timer = setTimeout(rejoin, AUTO_REJOIN_DELAY_MS);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [view, rejoin]);

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
          onJoin={(chosen, takeTracks) => void join(chosen, takeTracks, true)}
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
