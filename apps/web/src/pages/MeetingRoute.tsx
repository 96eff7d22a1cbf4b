import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { JoinPage } from '../join/JoinPage.tsx';
import type { InvitePreview } from '../api/invitesApi.ts';
import type { ControlActions } from '../meeting/ControlsBar.tsx';
import { MeetingView } from '../meeting/MeetingView.tsx';
import { createBrowserMeetingFlow } from '../meeting/browserMeetingFlow.ts';
import { joinFailureField, joinFailureMessage } from '../meeting/joinFailureMessage.ts';
import type { MeetingSessionFlow } from '../meeting/MeetingSessionFlow.ts';
import { errorMessageKey } from '../ui/errorMessages.ts';
import { LeftPage } from './LeftPage.tsx';
import { parseLinkFragment, type LinkFragment } from '../e2ee/linkSecret.ts';
import { loadLinkSecret } from '../organiser/linkSecretStore.ts';
import type { MeetingAccess } from './meetingAccess.ts';
import { JoinContext } from './JoinContext.tsx';
import { checkAccess } from './accessCheck.ts';
import { DeadEndPage } from './DeadEndPage.tsx';
import { deadEndOf, type DeadEnd } from './deadEnds.ts';

/** How long a control error stays on screen. */
const ALERT_MS = 6_000;

/** The link secret: from the invite link's fragment, or, for a host, from this browser's store. */
function initialLink(access: MeetingAccess): LinkFragment {
  if (access.kind === 'host') {
    const secret = loadLinkSecret(access.meetingId);
    return secret === null ? { status: 'none' } : { status: 'secret', secret };
  }
  return parseLinkFragment(window.location.hash);
}

function joinContext(access: MeetingAccess, preview: InvitePreview | null): ReactNode {
  if (access.kind === 'open') {
    return null;
  }
  return <JoinContext asHost={access.kind === 'host'} preview={preview} />;
}

/**
 * `/m/:id`: the join page (or, when the link leads nowhere, a dead end that
 * says what to do next), then the meeting, then "you left". The protocol
 * steps (E2EE session, token, join, media, leave) are the flow's
 * (MeetingSessionFlow); this page makes one flow per visit, renders its
 * snapshot, and closes it when the page goes away.
 */
export function MeetingRoute(props: { access: MeetingAccess }): ReactNode {
  // Kept from the first render: App parses the route again on each render (a language switch must
  // not make a new flow); another meeting or invite is another key, hence another MeetingRoute.
  const [access] = useState(props.access);
  // Read once: the link secret stays in memory (and the address bar), never in a request or a log.
  const [link] = useState<LinkFragment>(() => initialLink(access));
  const [flow, setFlow] = useState<MeetingSessionFlow | null>(null);

  // Made in an effect, so that StrictMode's second mount gets a fresh flow, not a closed one.
  useEffect(() => {
    const created = createBrowserMeetingFlow(access, link.status === 'secret' ? link.secret : null);
    setFlow(created);
    created.loadPreview();
    // Closing the tab says goodbye at once (otherwise the server keeps the place for a recovery).
    const onPageHide = (): void => created.pageHidden();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      created.close();
    };
  }, [access, link]);

  // Whether this way in can lead anywhere, asked before the join form is shown (accessCheck.ts).
  const [check, setCheck] = useState<AccessCheck>('checking');
  useEffect(() => {
    let current = true;
    void checkAccess(access).then((deadEnd) => current && setCheck(deadEnd));
    return () => {
      current = false;
    };
  }, [access]);

  if (!flow) {
    return null;
  }
  return <MeetingFlowPage flow={flow} access={access} link={link} check={check} />;
}

/** Still asking, a dead end, or null: the join form may be shown. */
type AccessCheck = 'checking' | DeadEnd | null;

/** While the link is checked: no form yet, so no button that may turn out to lead nowhere. */
function Checking(): ReactNode {
  const { t } = useTranslation();
  return (
    <p className="notice" role="status" data-testid="join-checking">
      {t('join.checking')}
    </p>
  );
}

function MeetingFlowPage(props: {
  flow: MeetingSessionFlow;
  access: MeetingAccess;
  link: LinkFragment;
  check: AccessCheck;
}): ReactNode {
  const { flow, access, link, check } = props;
  const snapshot = useSyncExternalStore(flow.subscribe, flow.getSnapshot);
  const [alert, setAlert] = useState<ParseKeys | null>(null);

  useEffect(() => flow.on('controlFailed', (reason) => setAlert(errorMessageKey(reason))), [flow]);
  useEffect(() => {
    if (alert === null) {
      return undefined;
    }
    const timer = setTimeout(() => setAlert(null), ALERT_MS);
    return () => clearTimeout(timer);
  }, [alert]);

  const actions: ControlActions = {
    toggleMicrophone: () => flow.toggleMicrophone(),
    toggleCamera: () => flow.toggleCamera(),
    toggleScreen: () => flow.toggleScreen(),
    leave: () => void flow.leave(),
  };
  const rejoin = (): void => void flow.rejoin();
  const { view, preview, choices } = snapshot;

  switch (view.name) {
    case 'join': {
      const deadEnd =
        check === 'checking' ? null : (check ?? (view.failure && deadEndOf(view.failure, access.kind)));
      if (deadEnd) {
        return <DeadEndPage deadEnd={deadEnd} access={access} />;
      }
      // An invite's form waits for its preview: whether it needs a passcode, and the name to prefill.
      const waiting = check === 'checking' || (access.kind === 'invite' && preview === null && !view.failure);
      if (waiting) {
        return <Checking />;
      }
      return (
        <JoinPage
          meetingId={access.kind === 'open' ? access.meetingId : null}
          needsPasscode={preview?.requirePasscode ?? false}
          suggestedName={preview?.label ?? null}
          context={joinContext(access, preview)}
          link={link}
          busy={view.busy}
          error={view.failure ? joinFailureMessage(view.failure, access.kind) : null}
          errorField={view.failure ? joinFailureField(view.failure, access.kind) : null}
          initial={choices}
          onJoin={(chosen, takeTracks) => void flow.join(chosen, takeTracks)}
        />
      );
    }
    case 'meeting':
      return (
        <MeetingView
          client={view.client}
          session={view.session}
          committeeKey={view.committeeKey}
          linkSecret={link.status === 'secret' ? link.secret : null}
          meetingId={snapshot.meetingId ?? ''}
          showInvite={access.kind === 'open'}
          speakerId={choices?.speakerId ?? null}
          alert={alert}
          endMessage={view.failure ? errorMessageKey(view.failure) : null}
          actions={actions}
          onRejoin={rejoin}
          waitingRoom={flow}
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
