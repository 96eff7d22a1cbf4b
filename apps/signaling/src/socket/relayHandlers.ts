import { ProtocolError, type RequestHandlers, type roomRequests } from '@confidentiel/protocol';
import { memberChannel } from '../rooms/channels.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

/**
 * What members send one another sealed (E2EE key envelopes, chat): relayed
 * as is, the server reads neither. Admitted members only, never the lobby.
 */
export function relayHandlers(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'chatLimiter' | 'now'>,
): Pick<RequestHandlers<typeof roomRequests>, 'relayKey' | 'relayKeys' | 'sendChat'> {
  const { state } = deps;
  return {
    relayKey: async ({ to, envelope }) => {
      const scope = session.scope();
      // Only a member admitted to the same room can receive key material (never the lobby).
      if (to === scope.memberId || !(await state.hasMember(scope.roomId, to))) {
        throw new ProtocolError('not-found', 'member not found');
      }
      session.socket.nsp.to(memberChannel(to)).emit('keyEnvelope', { from: scope.memberId, envelope });
      return {};
    },
    relayKeys: async ({ envelopes }) => {
      const scope = session.scope();
      const reachable = await Promise.all(
        envelopes.map(async ({ to }) => to !== scope.memberId && (await state.hasMember(scope.roomId, to))),
      );
      const undelivered: string[] = [];
      envelopes.forEach(({ to, envelope }, i) => {
        if (reachable[i] === true) {
          session.socket.nsp.to(memberChannel(to)).emit('keyEnvelope', { from: scope.memberId, envelope });
        } else {
          undelivered.push(to);
        }
      });
      return { undelivered };
    },
    sendChat: async ({ ciphertext }) => {
      const scope = session.scope();
      await deps.chatLimiter.consume(scope.memberId).catch(() => {
        throw new ProtocolError('rate-limited', 'too many chat messages');
      });
      const sentAt = deps.now();
      session.socket.to(scope.roomId).emit('chatMessage', { from: scope.memberId, ciphertext, sentAt });
      return { sentAt };
    },
  };
}
