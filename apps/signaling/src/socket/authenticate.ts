import {
  PROTOCOL_VERSION,
  ProtocolError,
  roomHandshakeSchema,
  roomTokenClaimsSchema,
  type RoomTokenClaims,
} from '@confidentiel/protocol';
import { TokenError, type TokenService } from '@confidentiel/tokens';

export const ROOM_AUDIENCE = 'room';
export const ROOM_TOKEN_TYPE = 'room';

export interface Identity extends RoomTokenClaims {
  exp: number;
  jti: string;
}

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

/**
 * Verifies a room token (audience and type `room`) and its claims, wherever
 * it comes from (the socket handshake, an HTTP `Authorization` header).
 * Throws a ProtocolError: `token-expired`, else `unauthorized`.
 */
export function verifyRoomToken(token: string, tokens: TokenService): Identity {
  let verified;
  try {
    verified = tokens.verify(token, { audience: ROOM_AUDIENCE, typ: ROOM_TOKEN_TYPE });
  } catch (error) {
    if (error instanceof TokenError && error.reason === 'expired') {
      throw new ProtocolError('token-expired', 'token expired');
    }
    throw new ProtocolError('unauthorized', 'token refused');
  }
  const claims = roomTokenClaimsSchema.safeParse({
    ...verified.claims,
    sub: verified.sub,
    typ: verified.typ,
  });
  if (!claims.success) {
    throw new ProtocolError('unauthorized', 'token refused');
  }
  return { ...claims.data, exp: verified.exp, jti: verified.jti };
}
