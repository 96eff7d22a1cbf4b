import { roomTokenClaimsSchema, type ErrorBody } from '@confidentiel/protocol';
import { TokenError, type TokenService } from '@confidentiel/tokens';
import type { Revocations } from '../rooms/Revocations.ts';
import { ROOM_AUDIENCE, ROOM_TOKEN_TYPE, type Identity } from '../socket/authenticate.ts';

export type BearerCheck = { ok: true; identity: Identity } | { ok: false; body: ErrorBody };

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/;

const refused: ErrorBody = { reason: 'unauthorized', message: 'a room token is needed' };

/**
 * The room token of an HTTP request (`Authorization: Bearer <token>`),
 * verified as the socket handshake verifies it: same audience, type and
 * claims. A token of a removed member (its `jti` or member id revoked) is
 * refused like a bad one. The token itself is never logged or echoed.
 */
export function verifyRoomBearer(
  authorization: string | undefined,
  tokens: TokenService,
  revocations?: Revocations,
): BearerCheck {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (!match) {
    return { ok: false, body: refused };
  }
  let verified;
  try {
    verified = tokens.verify(match[1]!, { audience: ROOM_AUDIENCE, typ: ROOM_TOKEN_TYPE });
  } catch (error) {
    if (error instanceof TokenError && error.reason === 'expired') {
      return { ok: false, body: { reason: 'token-expired', message: 'token expired' } };
    }
    return { ok: false, body: refused };
  }
  const claims = roomTokenClaimsSchema.safeParse({
    ...verified.claims,
    sub: verified.sub,
    typ: verified.typ,
  });
  if (!claims.success) {
    return { ok: false, body: refused };
  }
  if (
    revocations &&
    (revocations.isRevoked('jti', verified.jti) || revocations.isRevoked('sub', claims.data.sub))
  ) {
    return { ok: false, body: { reason: 'removed', message: 'you were removed from this meeting' } };
  }
  return { ok: true, identity: { ...claims.data, exp: verified.exp, jti: verified.jti } };
}
