import type { WaitingReason } from '@confidentiel/protocol';
import { HELD_OUT_MS } from '../rooms/HeldOut.ts';
import { hostsChannel } from '../rooms/channels.ts';
import { isModerator } from '../rooms/permissions.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

// Who enters a meeting at once, who waits in its lobby, and who is kept out.

/** Whether the member, or the token they came with, was revoked (removed or turned away). */
export async function isRevoked(
  session: PeerSession,
  deps: Pick<SessionDeps, 'revocations'>,
): Promise<boolean> {
  const { revocations } = deps;
  return (
    (await revocations.isRevoked('sub', session.memberId)) ||
    (await revocations.isRevoked('jti', session.identity.jti))
  );
}

/** Revokes the member and their token for `revocationMs`, and withdraws their admission. */
export async function revoke(
  session: PeerSession,
  deps: Pick<SessionDeps, 'revocations' | 'admissions' | 'now' | 'revocationMs'>,
): Promise<void> {
  const { revocations, admissions } = deps;
  const until = deps.now() + deps.revocationMs;
  await Promise.all([
    revocations.revoke('sub', session.memberId, until),
    revocations.revoke('jti', session.identity.jti, until),
  ]);
  await admissions.withdrawn(session.roomId, session.memberId);
}

/**
 * Holds the member out of the room (a host sent them back to the waiting room) and withdraws
 * their admission at once (recordings answer them no more meanwhile). Before they hear of it:
 * the join that follows waits.
 */
export async function holdOut(
  session: PeerSession,
  deps: Pick<SessionDeps, 'heldOut' | 'admissions' | 'now'>,
): Promise<void> {
  await deps.heldOut.hold(session.roomId, session.memberId, deps.now() + HELD_OUT_MS);
  await deps.admissions.withdrawn(session.roomId, session.memberId);
}

/** Why this member must wait, or null to enter now. */
export async function waitingReason(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'endedMeetings' | 'heldOut'>,
  allowEarlyEntry: boolean,
): Promise<WaitingReason | null> {
  const { state } = deps;
  // Sent back to the waiting room: only a host's admission lets them in, whatever their role or invite.
  if (await deps.heldOut.isHeldOut(session.roomId, session.memberId)) {
    return 'deliberation';
  }
  // The organiser's own host token enters; anyone invited with admission waits, co-hosts too.
  if (session.role === 'host') {
    return null;
  }
  if (session.identity.lobby) {
    return 'admission';
  }
  if (isModerator(session.role)) {
    return null;
  }
  if (await state.isLocked(session.roomId)) {
    return 'locked';
  }
  const hostNeeded = !allowEarlyEntry || (await deps.endedMeetings.isEnded(session.roomId));
  if (hostNeeded && !(await state.hasHost(session.roomId))) {
    return 'no-host';
  }
  return null;
}

/** Tells the room's hosts who waits now (in the room's queue, so that these notices keep their order). */
export async function notifyLobby(session: PeerSession, deps: Pick<SessionDeps, 'state'>): Promise<void> {
  const waiting = await deps.state.waiting(session.roomId);
  session.socket.nsp.to(hostsChannel(session.roomId)).emit('lobbyChanged', { waiting });
}

/** A host arrived: lets in those who waited only for one (not those who need admission). */
export async function admitEarlyArrivals(
  roomId: string,
  deps: Pick<SessionDeps, 'state' | 'directory' | 'endedMeetings'>,
): Promise<void> {
  const { state, directory } = deps;
  for (const entry of await state.waiting(roomId)) {
    // The host may have ended the meeting for everyone since arriving: nobody enters an ended one.
    if (!entry.needsAdmission && !(await deps.endedMeetings.isEnded(roomId))) {
      await directory.get(entry.memberId)?.admit();
    }
  }
}
