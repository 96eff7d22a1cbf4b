import { ProtocolError, type ErrorBody } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import type { Revocations } from '../rooms/Revocations.ts';
import { verifyRoomToken, type Identity } from '../rooms/verifyRoomToken.ts';

export type BearerCheck = { ok: true; identity: Identity } | { ok: false; body: ErrorBody };

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/;

const refused: ErrorBody = { reason: 'unauthorized', message: 'a room token is needed' };

/**
 * The room token of an HTTP request (`Authorization: Bearer <token>`),
 * verified as the socket handshake verifies it: same audience, type and
 * claims. A token of a removed member (its `jti` or member id revoked) is
 * refused like a bad one. The token itself is never logged or echoed.
 */
export async function verifyRoomBearer(
  authorization: string | undefined,
  tokens: TokenService,
  revocations?: Revocations,
): Promise<BearerCheck> {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (!match) {
    return { ok: false, body: refused };
  }
  let identity: Identity;
  try {
    identity = verifyRoomToken(match[1]!, tokens);
  } catch (error) {
    if (error instanceof ProtocolError && error.reason === 'token-expired') {
      return { ok: false, body: { reason: 'token-expired', message: 'token expired' } };
    }
    return { ok: false, body: refused };
  }
  if (
    revocations &&
    ((await revocations.isRevoked('jti', identity.jti)) || (await revocations.isRevoked('sub', identity.sub)))
  ) {
    return { ok: false, body: { reason: 'removed', message: 'you were removed from this meeting' } };
  }
  return { ok: true, identity };
}
