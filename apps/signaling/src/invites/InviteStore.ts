import { randomBytes } from 'node:crypto';
import type { InviteRole } from '@confidentiel/protocol';

export interface Invite {
  /** 128 random bits, base64url: the secret part of the link `/i/<id>`. */
  id: string;
  meetingId: string;
  /** The invitee's name for a personal link; null for a shared link. */
  label: string | null;
  role: InviteRole;
  /** The scrypt hash of the passcode (see crypto/secretHash.ts); null when none is asked. */
  passcodeHash: string | null;
  /** A host admits each person from the lobby. */
  requireAdmission: boolean;
  singleUse: boolean;
  expiresAt: number | null;
  createdAt: number;
  revokedAt: number | null;
  /** Successful redemptions. */
  uses: number;
}

export interface NewInvite {
  meetingId: string;
  label: string | null;
  role: InviteRole;
  passcodeHash: string | null;
  requireAdmission: boolean;
  singleUse: boolean;
  expiresAt: number | null;
}

/**
 * Where invites live. An invite is usable while it exists, is not revoked,
 * not expired, not used up (single use), and its meeting is not cancelled;
 * every way of being unusable looks the same from outside.
 */
export interface InviteStore {
  create(input: NewInvite): Promise<Invite>;
  /** The invite whatever its state, or undefined. */
  get(id: string): Promise<Invite | undefined>;
  /** The invite if it is usable now, else undefined. */
  getUsable(id: string): Promise<Invite | undefined>;
  isUsable(id: string): Promise<boolean>;
  /**
   * For members already in: true when the invite was revoked or does not
   * exist. Expiry and use count do not matter (a single-use invite is used up
   * by the very member who redeemed it).
   */
  isRevoked(id: string): Promise<boolean>;
  /** Oldest first. */
  listByMeeting(meetingId: string): Promise<Invite[]>;
  /**
   * Counts one use, atomically with the usability check: of two concurrent
   * redemptions of a single-use invite exactly one gets the invite, the other
   * undefined.
   */
  redeem(id: string): Promise<Invite | undefined>;
  /** Idempotent (the first revocation time stays); undefined if the meeting has no such invite. */
  revoke(meetingId: string, id: string): Promise<Invite | undefined>;
}

/** 16 random bytes = 128 bits, base64url (22 characters). */
export function newInviteId(random: (n: number) => Buffer = randomBytes): string {
  return random(16).toString('base64url');
}
