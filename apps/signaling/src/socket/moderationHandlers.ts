import { ProtocolError, type RequestHandlers, type roomRequests } from '@confidentiel/protocol';
import { refuseAction, refuseActionOn, type ModerationAction } from '../rooms/permissions.ts';
import { memberChannel } from '../rooms/channels.ts';
import { holdOut } from './admission.ts';
import { meetingFacts } from './meetingFacts.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

type ModerationRequests =
  | 'admit'
  | 'admitAll'
  | 'refuseEntry'
  | 'setRoomLocked'
  | 'muteMember'
  | 'stopMemberVideo'
  | 'removeMember'
  | 'sendToLobby'
  | 'setMemberRole'
  | 'endMeeting';

/**
 * Hosts' and co-hosts' requests. Every one is authorised here, on the
 * server, from the actor's current role and the target's; a refusal says why.
 */
export function moderationHandlers(
  actor: PeerSession,
  deps: SessionDeps,
): Pick<RequestHandlers<typeof roomRequests>, ModerationRequests> {
  const { state, directory, sfu, logger, queue } = deps;

  /** The actor must be in the room and allowed to do `action` at all. */
  const allowed = (action: ModerationAction): { roomId: string; memberId: string } => {
    const scope = actor.scope();
    const refusal = refuseAction(actor.role, action);
    if (refusal !== null) {
      throw new ProtocolError('forbidden', refusal);
    }
    return scope;
  };

  /** The target must be an admitted member of the actor's room, below the actor. */
  const target = (action: ModerationAction, memberId: string, newRole?: PeerSession['role']) => {
    const scope = allowed(action);
    const session = directory.get(memberId);
    if (memberId === scope.memberId) {
      throw new ProtocolError('forbidden', 'use your own controls for yourself');
    }
    if (!session || session.roomId !== scope.roomId || !session.joined) {
      throw new ProtocolError('not-found', 'member not found');
    }
    const refusal = refuseActionOn(actor.role, action, session.role, newRole);
    if (refusal !== null) {
      throw new ProtocolError('forbidden', refusal);
    }
    return session;
  };

  const waitingTarget = (memberId: string): PeerSession | undefined => {
    const session = directory.get(memberId);
    return session && session.roomId === actor.roomId && session.waiting ? session : undefined;
  };

  const audit = (action: string, targetId: string | null): void => {
    logger.info(
      {
        room: actor.roomId.slice(0, 6),
        by: actor.memberId.slice(0, 6),
        target: targetId?.slice(0, 6),
        action,
      },
      'moderation',
    );
  };

  const admitMany = async (memberIds: readonly string[]): Promise<string[]> => {
    const admitted: string[] = [];
    for (const memberId of memberIds) {
      const session = waitingTarget(memberId);
      if (session) {
        deps.committee.admitted(session, actor);
        // Sent back to the waiting room earlier: the host's admission ends it (even if this
        // admission fails on the way, their next join enters as the host meant).
        await deps.heldOut.release(session.roomId, memberId);
      }
      if (session && (await session.admit())) {
        admitted.push(memberId);
      }
    }
    return admitted;
  };

  return {
    admit: async ({ memberIds }) => {
      allowed('admit');
      const admitted = await admitMany(memberIds);
      if (admitted.length === 0) {
        throw new ProtocolError('not-found', 'nobody with that id is waiting');
      }
      audit('admit', admitted.length === 1 ? admitted[0]! : null);
      return { admitted };
    },
    admitAll: async () => {
      const { roomId } = allowed('admit');
      const admitted = await admitMany((await state.waiting(roomId)).map((w) => w.memberId));
      audit('admit-all', null);
      return { admitted };
    },
    refuseEntry: async ({ memberId }) => {
      allowed('admit');
      const session = waitingTarget(memberId);
      if (!session || !(await session.refuseEntry())) {
        throw new ProtocolError('not-found', 'nobody with that id is waiting');
      }
      deps.committee.refused(session, actor);
      audit('refuse-entry', memberId);
      return {};
    },
    setRoomLocked: async ({ locked }) => {
      const { roomId } = allowed('lock');
      await queue.run(roomId, async () => {
        await state.setLocked(roomId, locked);
        // The whole room info: each browser replaces its own with it.
        const meeting = meetingFacts(await deps.meetings.get(roomId));
        actor.socket.nsp.to(roomId).emit('roomUpdated', { locked, ...meeting });
      });
      audit(locked ? 'lock' : 'unlock', null);
      return {};
    },
    muteMember: async ({ memberId }) => {
      const session = target('mute', memberId);
      const { roomId } = session;
      const microphones = (await state.producers(roomId)).filter(
        (p) => p.memberId === memberId && p.source === 'microphone' && !p.paused,
      );
      for (const producer of microphones) {
        await sfu.request('setProducerPaused', {
          roomId,
          memberId,
          producerId: producer.producerId,
          paused: true,
        });
        await queue.run(roomId, async () => {
          await state.setProducerPaused(roomId, producer.producerId, true);
          actor.socket.nsp
            .to(roomId)
            .emit('producerPaused', { producerId: producer.producerId, memberId, paused: true });
        });
      }
      actor.socket.nsp.to(memberChannel(memberId)).emit('moderated', { action: 'muted', by: actor.memberId });
      audit('mute', memberId);
      return {};
    },
    stopMemberVideo: async ({ memberId, source }) => {
      const session = target('stop-video', memberId);
      const sources = source === 'camera' ? ['camera'] : ['screen', 'screen-audio'];
      const producers = (await state.producers(session.roomId)).filter(
        (p) => p.memberId === memberId && sources.includes(p.source),
      );
      await session.closeProducers(producers.map((p) => p.producerId));
      actor.socket.nsp.to(memberChannel(memberId)).emit('moderated', {
        action: source === 'camera' ? 'camera-stopped' : 'screen-stopped',
        by: actor.memberId,
      });
      audit(`stop-${source}`, memberId);
      return {};
    },
    removeMember: async ({ memberId }) => {
      // A waiting guest can be turned away too (refuseEntry is the same for them).
      const waiting = waitingTarget(memberId);
      if (waiting) {
        allowed('remove');
        await waiting.refuseEntry();
        deps.committee.refused(waiting, actor);
        audit('remove', memberId);
        return {};
      }
      const session = target('remove', memberId);
      deps.committee.removed(session, actor);
      await session.remove();
      audit('remove', memberId);
      return {};
    },
    sendToLobby: async ({ memberIds }) => {
      // Every target is checked first (the same rights as a removal): one refused, nobody sent out.
      const sessions = [...new Set(memberIds)].map((memberId) => target('remove', memberId));
      const sent: string[] = [];
      for (const session of sessions) {
        // Held out before they hear of it: the join their browser makes next waits for admission.
        await holdOut(session, deps);
        deps.committee.sentToLobby(session, actor);
        // Leaving releases their media and tells the others (`memberLeft`): every browser left
        // draws a fresh E2EE key and sends it only to those who remain, as on a removal.
        await session.end('sent-to-lobby');
        audit('send-to-lobby', session.memberId);
        sent.push(session.memberId);
      }
      return { sent };
    },
    setMemberRole: async ({ memberId, role }) => {
      const session = target('set-role', memberId, role);
      const from = session.role;
      await session.setRole(role);
      deps.committee.roleChanged(session, from, actor);
      audit(`role-${role}`, memberId);
      return {};
    },
    endMeeting: async () => {
      const { roomId } = allowed('end-meeting');
      audit('end-meeting', null);
      deps.committee.meetingEnded(roomId, actor);
      // In the room's queue: nobody decides to enter between the end and the roll call.
      const everyone = await queue.run(roomId, async () => {
        // Ended means ended: tokens still alive do not reopen it without a host.
        await deps.endedMeetings.end(roomId);
        const [members, waiting] = await Promise.all([state.members(roomId), state.waiting(roomId)]);
        return [...members.map((m) => m.memberId), ...waiting.map((w) => w.memberId)];
      });
      for (const memberId of everyone) {
        if (memberId !== actor.memberId) {
          await directory.get(memberId)?.end('ended');
        }
      }
      // The host's own answer comes back before its socket closes.
      setTimeout(() => void actor.end('ended'), 0);
      return {};
    },
  };
}
