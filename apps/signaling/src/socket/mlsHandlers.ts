import { ProtocolError, type RequestHandlers, type roomRequests } from '@confidentiel/protocol';
import { memberChannel } from '../rooms/channels.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';
import { unreachable } from './SessionPhase.ts';

/**
 * Signaling as the MLS Delivery Service (see mls/MlsDeliveryStore.ts): key
 * packages to the room, exactly one commit per epoch fanned out to the room,
 * each Welcome to the members it adds. Admitted members only, never the
 * lobby: `scope()` refuses a waiting member, and every fan-out goes to the
 * room's channel (admitted sockets only) or to members the room state holds.
 *
 * Each request runs in the room's queue, with joins and departures: the
 * events of two accepted commits go out in epoch order, and a member who
 * left cannot be counted in the group after their departure was handled.
 */
export function mlsHandlers(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'queue' | 'mls'>,
): Pick<RequestHandlers<typeof roomRequests>, 'mlsJoin' | 'mlsCommit'> {
  const { state, queue, mls } = deps;
  return {
    mlsJoin: async ({ keyPackage }) => {
      const { roomId, memberId } = session.scope();
      await mls.keyPackageLimiter.consume(memberId).catch(() => {
        throw new ProtocolError('rate-limited', 'too many key packages');
      });
      return queue.run(roomId, async () => {
        // Still in the room once our turn came (a departure queued before us ran first).
        session.scope();
        const outcome = await mls.store.join(roomId, memberId, keyPackage);
        if (!outcome.create) {
          session.socket.to(roomId).emit('mlsKeyPackage', { memberId, keyPackage });
        }
        return outcome;
      });
    },
    mlsCommit: async ({ epoch, commit, welcome, added }) => {
      const { roomId, memberId } = session.scope();
      if (welcome !== undefined && added.length === 0) {
        throw ProtocolError.invalidPayload('a welcome names the members it adds');
      }
      if (welcome === undefined && added.length > 0) {
        throw ProtocolError.invalidPayload('added members need their welcome');
      }
      return queue.run(roomId, async () => {
        session.scope();
        const recipients = await admittedAmong(roomId, memberId, added);
        const outcome = await mls.store.commit(roomId, memberId, epoch, recipients);
        switch (outcome.kind) {
          case 'no-group':
            throw new ProtocolError('not-found', 'no MLS group in this room: mlsJoin first');
          case 'stale':
            // Nothing goes out: the committer processes what came first and retries on this epoch.
            return { accepted: false, epoch: outcome.epoch };
          case 'accepted':
            session.socket.to(roomId).emit('mlsCommit', { from: memberId, epoch, commit });
            if (welcome !== undefined && recipients.length > 0) {
              session.socket.nsp
                .to(recipients.map(memberChannel))
                .emit('mlsWelcome', { from: memberId, epoch: outcome.epoch, welcome });
            }
            return { accepted: true, epoch: outcome.epoch };
          default:
            return unreachable(outcome);
        }
      });
    },
  };

  /** Who of `added` is admitted in the room (not the committer): the others are skipped silently. */
  async function admittedAmong(roomId: string, self: string, added: readonly string[]): Promise<string[]> {
    const wanted = new Set(added.filter((id) => id !== self));
    if (wanted.size === 0) {
      return [];
    }
    const present = new Set((await state.members(roomId)).map((m) => m.memberId));
    return [...wanted].filter((id) => present.has(id));
  }
}

/**
 * In the room's queue, once `session` is out of the room state (departure.ts):
 * drops its key package and its place in the group, forgets the room's MLS
 * state if nobody is left, and tells the others to join again if the group
 * lost its last member (`mlsReset`). Never rejects: a failure is logged.
 */
export async function mlsMemberLeft(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'mls' | 'logger'>,
): Promise<void> {
  const roomId = session.roomId;
  try {
    if ((await deps.state.members(roomId)).length === 0) {
      await deps.mls.store.forget(roomId);
      return;
    }
    const { reset } = await deps.mls.store.memberLeft(roomId, session.memberId);
    if (reset) {
      session.socket.to(roomId).emit('mlsReset', {});
    }
  } catch (error) {
    deps.logger.error({ err: error }, 'could not take a departed member out of the MLS group');
  }
}
