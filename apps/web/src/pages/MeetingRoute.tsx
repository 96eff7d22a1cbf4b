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
import { getInvitePreview, redeemInvite, requestHostToken, type InvitePreview } from '../api/invitesApi.ts';
import { loadLinkSecret } from '../organiser/linkSecretStore.ts';
import { loadCommitteeSecret, saveCommitteeSecret } from '../organiser/committeeSecretStore.ts';
import { CommitteeKeyHolder, type CommitteeSecretKeeping } from '../committee/CommitteeKeyHolder.ts';
import type { MeetingAccess } from './meetingAccess.ts';
import { JoinContext } from './JoinContext.tsx';

/** How long a control error stays on screen. */
const ALERT_MS = 6_000;
/** After the media server lost the room, rejoin by ourselves after this delay... */
const AUTO_REJOIN_DELAY_MS = 1_000;
/** ...at most this many times within this window, then leave it to the person. */
const AUTO_REJOIN_MAX = 3;
const AUTO_REJOIN_WINDOW_MS = 60_000;

/** A rejoin reuses the last token if it has at least this long to live. */
const TOKEN_REUSE_MARGIN_MS = 30_000;

/** The link secret: from the invite link's fragment, or, for a host, from this browser's store. */
function initialLink(access: MeetingAccess): LinkFragment {
  if (access.kind === 'host') {
    const secret = loadLinkSecret(access.meetingId);
    return secret === null ? { status: 'none' } : { status: 'secret', secret };
  }
  return parseLinkFragment(window.location.hash);
}

/** A room token for this way in: an open meeting's, an invite's (passcode checked), or a host's. */
async function obtainToken(
  access: MeetingAccess,
  chosen: JoinChoices,
): Promise<{ meetingId: string; token: string; expiresAt: number }> {
  switch (access.kind) {
    case 'open': {
      const { token, expiresAt } = await requestJoinToken(access.meetingId, chosen.displayName);
      return { meetingId: access.meetingId, token, expiresAt };
    }
    case 'invite':
      return redeemInvite(access.inviteId, chosen.displayName, chosen.passcode);
    case 'host':
      return requestHostToken(access.meetingId);
    default: {
      const unreachable: never = access;
      return unreachable;
    }
  }
}

function joinContext(access: MeetingAccess, preview: InvitePreview | null): ReactNode {
  if (access.kind === 'open') {
    return null;
  }
  return <JoinContext asHost={access.kind === 'host'} preview={preview} />;
}

type View =
  | { name: 'join'; busy: boolean; error: ParseKeys | null }
  | { name: 'meeting'; client: MeetingClient; session: E2eeSession; committeeKey: CommitteeKeyHolder }
  | { name: 'left' };

/** The organiser's own page keeps the committee secret in this browser; guests keep it in memory. */
function committeeKeeping(access: MeetingAccess): CommitteeSecretKeeping | null {
  if (access.kind !== 'host') {
    return null;
  }
  const { meetingId } = access;
  return {
    load: () => loadCommitteeSecret(meetingId),
    save: (secret) => void saveCommitteeSecret(meetingId, secret),
  };
}

function stopTracks(tracks: TakenTracks): void {
  tracks.audio?.stop();
  tracks.video?.stop();
}

/**
 * `/m/:id`: the join page, then the meeting, then "you left". Owns the one
 * MeetingClient of the page, and the E2EE session of each join, and closes
 * them when the page goes away.
 */
export function MeetingRoute(props: { access: MeetingAccess }): ReactNode {
  const { access } = props;
  const [view, setView] = useState<View>({ name: 'join', busy: false, error: null });
  // Read once: the link secret stays in memory (and the address bar), never in a request or a log.
  const [link] = useState<LinkFragment>(() => initialLink(access));
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  /** The meeting this page is in, once known (an invite learns it at redemption). */
  const meetingIdRef = useRef<string | null>(access.kind === 'invite' ? null : access.meetingId);
  /** The latest room token and its expiry, so a rejoin does not spend a single-use invite again. */
  const lastToken = useRef<{ token: string; expiresAt: number } | null>(null);
  const [alert, setAlert] = useState<ParseKeys | null>(null);
  const [endMessage, setEndMessage] = useState<ParseKeys | null>(null);
  const choices = useRef<JoinChoices | null>(null);
  const clientRef = useRef<MeetingClient | null>(null);
  const sessionRef = useRef<E2eeSession | null>(null);
  const committeeKeyRef = useRef<CommitteeKeyHolder | null>(null);
  const autoRejoins = useRef<number[]>([]);

  useEffect(() => {
    if (access.kind !== 'invite') {
      return undefined;
    }
    let cancelled = false;
    getInvitePreview(access.inviteId).then(
      (answer) => {
        if (!cancelled) {
          setPreview(answer);
        }
      },
      (error: unknown) => {
        if (!cancelled) {
          const reason = error instanceof ApiError ? error.reason : 'network';
          setView({ name: 'join', busy: false, error: errorMessageKey(reason) });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [access]);

  // Closing the tab says goodbye at once (otherwise the server keeps the place for a recovery).
  useEffect(() => {
    const onPageHide = (): void => clientRef.current?.close();
    window.addEventListener('pagehide', onPageHide);
    return () => window.removeEventListener('pagehide', onPageHide);
  }, []);

  useEffect(
    () => () => {
      clientRef.current?.close();
      clientRef.current = null;
      sessionRef.current?.close();
      sessionRef.current = null;
      committeeKeyRef.current?.close();
      committeeKeyRef.current = null;
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
      committeeKeyRef.current?.close();
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
        const reusable = lastToken.current;
        if (!fromForm && reusable && reusable.expiresAt * 1000 > Date.now() + TOKEN_REUSE_MARGIN_MS) {
          token = reusable.token;
        } else {
          const issued = await obtainToken(access, chosen);
          meetingIdRef.current = issued.meetingId;
          lastToken.current = { token: issued.token, expiresAt: issued.expiresAt };
          token = issued.token;
        }
      } catch (error) {
        session.close();
        // The preview keeps running: the person can correct and try again.
        const reason = error instanceof ApiError ? error.reason : 'network';
        setView({
          name: 'join',
          busy: false,
          error:
            reason === 'invalid-payload'
              ? 'errors.invalidName'
              : reason === 'unauthorized' && access.kind === 'host'
                ? 'errors.signInFirst'
                : reason === 'rate-limited' && access.kind === 'invite'
                  ? 'errors.tooManyAttempts'
                  : errorMessageKey(reason),
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
      const committeeKey = new CommitteeKeyHolder({
        client,
        session,
        keeping: committeeKeeping(access),
        logger: createConsoleLogger('committee-key'),
      });
      committeeKeyRef.current = committeeKey;
      client.on('tokenRefreshed', (fresh) => {
        lastToken.current = fresh;
      });
      clientRef.current = client;
      const uninstall = installMeetingHooks(client, session);
      setView({ name: 'meeting', client, session, committeeKey });

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
          lastToken.current = null;
          setView({
            name: 'join',
            busy: false,
            error:
              failure.reason === 'removed' || failure.reason === 'invite-invalid'
                ? errorMessageKey(failure.reason)
                : 'errors.notFound',
          });
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
    [access, link, showError],
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
          meetingId={access.kind === 'open' ? access.meetingId : null}
          needsPasscode={preview?.requirePasscode ?? false}
          suggestedName={preview?.label ?? null}
          context={joinContext(access, preview)}
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
          committeeKey={view.committeeKey}
          linkSecret={link.status === 'secret' ? link.secret : null}
          meetingId={meetingIdRef.current ?? ''}
          showInvite={access.kind === 'open'}
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
