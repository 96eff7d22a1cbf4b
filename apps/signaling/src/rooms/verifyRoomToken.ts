import { ProtocolError, roomTokenClaimsSchema, type RoomTokenClaims } from '@confidentiel/protocol';
import { TokenError, type TokenService } from '@confidentiel/tokens';

export const ROOM_AUDIENCE = 'room';
export const ROOM_TOKEN_TYPE = 'room';

/** Who a verified room token says its holder is. */
export interface Identity extends RoomTokenClaims {
  exp: number;
  jti: string;
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
