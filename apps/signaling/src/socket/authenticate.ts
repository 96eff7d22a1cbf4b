import { PROTOCOL_VERSION, ProtocolError, roomHandshakeSchema } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { verifyRoomToken, type Identity } from '../rooms/verifyRoomToken.ts';

export { ROOM_AUDIENCE, ROOM_TOKEN_TYPE, verifyRoomToken, type Identity } from '../rooms/verifyRoomToken.ts';

/**
 * Checks a browser's handshake `auth`: protocol version, then the room token.
 * Every failure is a ProtocolError whose reason is safe to show.
 */
export function authenticateHandshake(auth: unknown, tokens: TokenService): Identity {
  const handshake = roomHandshakeSchema.safeParse(auth);
  if (!handshake.success) {
    throw new ProtocolError('unauthorized', 'missing or malformed handshake');
  }
  if (handshake.data.protocolVersion !== PROTOCOL_VERSION) {
    throw new ProtocolError('protocol-mismatch', `this server speaks protocol ${PROTOCOL_VERSION}`);
  }
  return verifyRoomToken(handshake.data.token, tokens);
}
