import { createHash, randomBytes } from 'node:crypto';
import type { MemberRole } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { ROOM_AUDIENCE, ROOM_TOKEN_TYPE } from '../rooms/verifyRoomToken.ts';

/** What a room token says about its holder. */
export interface RoomTokenSubject {
  /** The member id; a new random one unless the token is a refresh. */
  sub?: string;
  room: string;
  name: string;
  role: MemberRole;
  /** A host must admit this person from the lobby. */
  lobby: boolean;
  invite?: string | undefined;
}

/** Issues a room-socket token (audience `room`), short-lived. */
export function issueRoomToken(
  tokens: TokenService,
  subject: RoomTokenSubject,
  ttlSeconds: number,
): { token: string; jti: string; expiresAt: number; memberId: string } {
  const memberId = subject.sub ?? randomBytes(12).toString('base64url');
  const claims: Record<string, unknown> = {
    room: subject.room,
    name: subject.name,
    role: subject.role,
    lobby: subject.lobby,
  };
  if (subject.invite !== undefined) {
    claims.invite = subject.invite;
  }
  const issued = tokens.issue({
    audience: ROOM_AUDIENCE,
    typ: ROOM_TOKEN_TYPE,
    subject: memberId,
    ttlSeconds,
    claims,
  });
  return { ...issued, memberId };
}

/**
 * A signing key's id, derived from the secret so every node agrees on it and
 * a rotation (new secret, old one kept for verification) changes it.
 */
export function roomKeyId(secret: Buffer): string {
  return `room-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}
