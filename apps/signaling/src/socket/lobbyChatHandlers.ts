import {
  ProtocolError,
  type IdentityKeys,
  type RequestHandlers,
  type roomEvents,
  type roomRequests,
} from '@confidentiel/protocol';
import type { z } from 'zod';
import { memberChannel } from '../rooms/channels.ts';
import { isModerator } from '../rooms/permissions.ts';
import type { PeerSession, SessionDeps } from './SessionDeps.ts';

type LobbyMessageEvent = z.infer<(typeof roomEvents)['lobbyMessage']>;

/** Who writes, as the addressees will see them, and whom they may write to (member ids). */
interface LobbySender {
  readonly name: string;
  readonly role: LobbyMessageEvent['fromRole'];
  readonly identity: IdentityKeys;
  readonly addressees: ReadonlySet<string>;
}

/**
 * The lobby chat: hosts and co-hosts in the room write to people waiting in its lobby now, who
 * may answer hosts and co-hosts in the room now. Each message was sealed in the sender's browser
 * for one addressee (packages/e2ee LobbyMessage.ts) and is relayed as is, with the sender's
 * identity public keys from the room state (the addressee checks them against the invite link
 * before opening it): this server learns who wrote to whom and when, never what. The chat's
 * budget per member applies, one point per request (a host writing to everyone waiting sends a
 * few batches).
 */
export function lobbyChatHandlers(
  session: PeerSession,
  deps: Pick<SessionDeps, 'state' | 'chatLimiter' | 'now'>,
): Pick<RequestHandlers<typeof roomRequests>, 'sendLobbyMessages'> {
  return {
    sendLobbyMessages: async ({ messages }) => {
      const sender = await lobbySender(session, deps.state);
      await deps.chatLimiter.consume(session.memberId).catch(() => {
        throw new ProtocolError('rate-limited', 'too many messages: wait a few seconds');
      });
      const undelivered = messages.filter(({ to }) => !sender.addressees.has(to)).map(({ to }) => to);
      if (undelivered.length === messages.length) {
        throw new ProtocolError(
          'not-found',
          sender.role === 'waiting'
            ? 'no host of this meeting is there to read it'
            : 'nobody of those is waiting in the lobby',
        );
      }
      const sentAt = deps.now();
      for (const { to, ciphertext } of messages) {
        if (sender.addressees.has(to)) {
          const event: LobbyMessageEvent = {
            from: session.memberId,
            fromName: sender.name,
            fromRole: sender.role,
            identity: sender.identity,
            ciphertext,
            sentAt,
          };
          session.socket.nsp.to(memberChannel(to)).emit('lobbyMessage', event);
        }
      }
      return { sentAt, undelivered };
    },
  };
}

/** The sender and whom they may write to; refused unless a moderator in the room or waiting in its lobby. */
async function lobbySender(session: PeerSession, state: SessionDeps['state']): Promise<LobbySender> {
  const roomId = session.roomId;
  if (session.waiting) {
    const [waiting, members] = await Promise.all([state.waiting(roomId), state.members(roomId)]);
    const self = waiting.find((w) => w.memberId === session.memberId);
    if (self === undefined) {
      throw new ProtocolError('not-joined', 'you are no longer waiting in this meeting');
    }
    const hosts = members.filter((m) => isModerator(m.role)).map((m) => m.memberId);
    return { name: self.displayName, role: 'waiting', identity: self.identity, addressees: new Set(hosts) };
  }
  // Throws for anyone neither in the room nor waiting.
  const { memberId } = session.scope();
  const [members, waiting] = await Promise.all([state.members(roomId), state.waiting(roomId)]);
  const self = members.find((m) => m.memberId === memberId);
  if (self === undefined) {
    throw new ProtocolError('not-joined', 'join the room first');
  }
  // The room state's role: a moderator's change of role applies at once, on every node.
  if (self.role !== 'host' && self.role !== 'co-host') {
    throw new ProtocolError('forbidden', 'only hosts and co-hosts can write to the people waiting');
  }
  return {
    name: self.displayName,
    role: self.role,
    identity: self.identity,
    addressees: new Set(waiting.map((w) => w.memberId)),
  };
}
