import { requestJoinToken } from '../api/meetingsApi.ts';
import { getInvitePreview, redeemInvite, requestHostToken } from '../api/invitesApi.ts';
import { CommitteeKeyHolder, type CommitteeSecretKeeping } from '../committee/CommitteeKeyHolder.ts';
import { E2eeSession } from '../e2ee/E2eeSession.ts';
import type { JoinChoices } from '../join/JoinPage.tsx';
import { createConsoleLogger } from '../logger.ts';
import { MeetingClient } from '../media/MeetingClient.ts';
import { createSocketIoFactory } from '../media/RoomConnection.ts';
import { loadCommitteeSecret, saveCommitteeSecret } from '../organiser/committeeSecretStore.ts';
import type { MeetingAccess } from '../pages/meetingAccess.ts';
import { benchE2eeOffOptions } from './benchE2eeOff.ts';
import { MeetingSessionFlow } from './MeetingSessionFlow.ts';
import { installMeetingHooks, SwitchableRepairPolicy } from './testHooks.ts';

/**
 * The browser tests' hooks (testHooks.ts): only in a build made with
 * VITE_TEST_HOOKS=true (the production build leaves the hooks out).
 */
const TEST_HOOKS_ENABLED = import.meta.env.VITE_TEST_HOOKS === 'true';

/**
 * The benchmark's control build only (VITE_BENCH_E2EE_OFF=true, apps/web/dist-bench, made by
 * bench/src/sections/join): no E2EE worker, no key exchange, no transforms (benchE2eeOff.ts), to
 * measure what E2EE adds to a join. Compared as a literal, so the production build folds it to
 * false and drops the branch.
 */
const BENCH_E2EE_OFF = import.meta.env.VITE_BENCH_E2EE_OFF === 'true';

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

/** The meeting page's flow, wired to the real API, Socket.IO, mediasoup and the E2EE worker. */
export function createBrowserMeetingFlow(
  access: MeetingAccess,
  linkSecret: string | null,
): MeetingSessionFlow {
  // Test builds: each client's repairs can be switched off through its test hooks.
  const repairPolicies = new WeakMap<MeetingClient, SwitchableRepairPolicy>();
  return new MeetingSessionFlow({
    access,
    linkSecret,
    createSession: (secret) =>
      E2eeSession.create({
        linkSecret: secret,
        logger: createConsoleLogger('e2ee'),
        ...(BENCH_E2EE_OFF ? benchE2eeOffOptions() : {}),
      }),
    obtainToken,
    loadPreview: getInvitePreview,
    createClient: (token, session) => {
      if (BENCH_E2EE_OFF) {
        createConsoleLogger('bench').warn('BENCH CONTROL BUILD: media without end-to-end encryption');
      }
      const repairPolicy = TEST_HOOKS_ENABLED ? new SwitchableRepairPolicy() : null;
      const client = new MeetingClient({
        token,
        identity: session.publicKeys,
        socketFactory: createSocketIoFactory(),
        logger: createConsoleLogger('meeting'),
        ...(BENCH_E2EE_OFF ? {} : { transform: session.hooks }),
        ...(repairPolicy ? { repairPolicy } : {}),
      });
      if (repairPolicy) {
        repairPolicies.set(client, repairPolicy);
      }
      return client;
    },
    createCommitteeKey: (client, session) =>
      new CommitteeKeyHolder({
        client,
        session,
        keeping: committeeKeeping(access),
        logger: createConsoleLogger('committee-key'),
      }),
    installHooks: TEST_HOOKS_ENABLED
      ? (client, session) => installMeetingHooks(client, session, repairPolicies.get(client))
      : undefined,
    logger: createConsoleLogger('meeting-flow'),
  });
}
