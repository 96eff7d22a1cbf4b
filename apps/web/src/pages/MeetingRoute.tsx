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
import { E2eeSession } from '../e2ee/E2eeSession.ts';
import { parseLinkFragment, type LinkFragment } from '../e2ee/linkSecret.ts';

/** How long a control error stays on screen. */
const ALERT_MS = 6_000;
/** After the media server lost the room, rejoin by ourselves after this delay... */
const AUTO_REJOIN_DELAY_MS = 1_000;
/** ...at most this many times within this window, then leave it to the person. */
const AUTO_REJOIN_MAX = 3;
const AUTO_REJOIN_WINDOW_MS = 60_000;

type View =
  | { name: 'join'; busy: boolean; error: ParseKeys | null }
  | { name: 'meeting'; client: MeetingClient; session: E2eeSession }
  | { name: 'left' };

function stopTracks(tracks: TakenTracks): void {
  tracks.audio?.stop();
  tracks.video?.stop();
}

/**
 * `/m/:id`: the join page, then the meeting, then "you left". Owns the one
 * MeetingClient of the page, and the E2EE session of each join, and closes
 * them when the page goes away.
 */
export function MeetingRoute(props: { meetingId: string }): ReactNode {
  const [view, setView] = useState<View>({ name: 'join', busy: false, error: null });
  // Read once: the link secret stays in memory (and the address bar), never in a request or a log.
  const [link] = useState<LinkFragment>(() => parseLinkFragment(window.location.hash));
  const [alert, setAlert] = useState<ParseKeys | null>(null);
  const [endMessage, setEndMessage] = useState<ParseKeys | null>(null);
  const choices = useRef<JoinChoices | null>(null);
  const clientRef = useRef<MeetingClient | null>(null);
  const sessionRef = useRef<E2eeSession | null>(null);
  const autoRejoins = useRef<number[]>([]);

  useEffect(
    () => () => {
      clientRef.current?.close();
      clientRef.current = null;
      sessionRef.current?.close();
      sessionRef.current = null;
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
      clientRef.current?.close();
      sessionRef.current?.close();
      // End-to-end encryption first: a browser that cannot do it never asks for a token.
      let session: E2eeSession;
      try {
        session = await E2eeSession.create({
          linkSecret: link.status === 'secret' ? link.secret : null,
          logger: createConsoleLogger('e2ee'),
        });
      } catch (error) {
        createConsoleLogger('e2ee').error('end-to-end encryption is unavailable', error);
        setView({ name: 'join', busy: false, error: errorMessageKey('e2ee-unavailable') });
        return;
      }
      sessionRef.current = session;
      let token: string;
      try {
        token = (await requestJoinToken(props.meetingId, chosen.displayName)).token;
      } catch (error) {
        session.close();
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

      const client = new MeetingClient({
        token,
        identity: session.publicKeys,
        socketFactory: createSocketIoFactory(),
        logger: createConsoleLogger('meeting'),
        transform: session.hooks,
      });
      session.attach(client);
      clientRef.current = client;
      const uninstall = installMeetingHooks(client, session);
      setView({ name: 'meeting', client, session });

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
    [props.meetingId, link, showError],
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
          link={link}
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
          session={view.session}
          linkSecret={link.status === 'secret' ? link.secret : null}
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
