import type { InviteSummary } from '@confidentiel/protocol';

/**
 * The three confidentiality levels the organiser chooses from, in the words
 * of the page (see `inviteSummarySchema` in the protocol):
 * 1 `link`: the link alone;
 * 2 `passcode`: the link and a passcode given another way;
 * 3 `lobby`: a host admits each person (and a passcode if asked).
 */
export const inviteLevels = ['link', 'passcode', 'lobby'] as const;
export type InviteLevel = (typeof inviteLevels)[number];

/** The level's number as the page shows it (1 to 3). */
export function levelNumber(level: InviteLevel): number {
  return inviteLevels.indexOf(level) + 1;
}

/** What the API needs for a level; `lobbyPasscode` matters only for the lobby. */
export function levelRequirements(
  level: InviteLevel,
  lobbyPasscode: boolean,
): { requirePasscode: boolean; requireAdmission: boolean } {
  switch (level) {
    case 'link':
      return { requirePasscode: false, requireAdmission: false };
    case 'passcode':
      return { requirePasscode: true, requireAdmission: false };
    case 'lobby':
      return { requirePasscode: lobbyPasscode, requireAdmission: true };
    default: {
      const unreachable: never = level;
      return unreachable;
    }
  }
}

/** The level of an existing invite. */
export function levelOf(invite: Pick<InviteSummary, 'requirePasscode' | 'requireAdmission'>): InviteLevel {
  if (invite.requireAdmission) {
    return 'lobby';
  }
  return invite.requirePasscode ? 'passcode' : 'link';
}

export type InviteState = 'active' | 'revoked' | 'expired' | 'used';

/** Whether the link still lets someone in, as far as the organiser's page can tell. */
export function inviteState(
  invite: Pick<InviteSummary, 'revokedAt' | 'expiresAt' | 'singleUse' | 'uses'>,
  now: number,
): InviteState {
  if (invite.revokedAt !== null) {
    return 'revoked';
  }
  if (invite.expiresAt !== null && invite.expiresAt <= now) {
    return 'expired';
  }
  if (invite.singleUse && invite.uses > 0) {
    return 'used';
  }
  return 'active';
}
