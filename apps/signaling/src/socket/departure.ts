import { ADMISSION_GRACE_MS } from '../rooms/Admissions.ts';
import { hostsChannel } from '../rooms/channels.ts';
import { mlsMemberLeft } from './mlsHandlers.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

/**
 * In the room's queue: takes a member who leaves out of the room state and
 * tells the room (their producers close with them). Never rejects: a failure
 * is logged, and the media goes all the same.
 */
export async function leaveRoom(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'logger' | 'admissions' | 'now' | 'committee' | 'mls'>,
): Promise<void> {
  const { state, logger } = deps;
  const { roomId, memberId } = session;
  try {
    const removed = await state.removeMember(roomId, memberId);
    await deps.admissions.left(roomId, memberId, deps.now() + ADMISSION_GRACE_MS);
    for (const producer of removed) {
      session.socket.to(roomId).emit('producerClosed', { producerId: producer.producerId, memberId });
    }
    session.socket.to(roomId).emit('memberLeft', { memberId });
    // Out of the MLS group's count too (after `memberLeft`: a reset follows the departure that caused it).
    await mlsMemberLeft(session, deps);
  } catch (error) {
    // The media goes all the same.
    logger.error({ err: error }, 'could not remove a member who left from the room state');
  }
  deps.committee.memberLeft(session);
  void session.socket.leave(roomId);
  void session.socket.leave(hostsChannel(roomId));
  logger.info({ room: roomId.slice(0, 6), member: memberId.slice(0, 6) }, 'member left');
}

/** Releases a departed member's media on the SFU, and the room's once nobody is left. Never rejects. */
export async function releaseMedia(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'sfu' | 'logger'>,
): Promise<void> {
  const { state, sfu, logger } = deps;
  const { roomId, memberId } = session;
  try {
    await sfu.request('closeMember', { roomId, memberId });
    if ((await state.members(roomId)).length === 0) {
      await sfu.request('closeRoom', { roomId });
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not release media of a member that left');
  }
}
