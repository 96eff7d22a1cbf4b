import { describe, expect, it } from 'vitest';
import { inviteLevels, inviteState, levelNumber, levelOf, levelRequirements } from './inviteLevels.ts';

describe('invite levels', () => {
  it('numbers the levels 1 to 3 in the order the page explains them', () => {
    expect(inviteLevels.map(levelNumber)).toEqual([1, 2, 3]);
  });

  it('asks for a passcode at level 2, admission at level 3, the passcode there only when ticked', () => {
    expect(levelRequirements('link', true)).toEqual({ requirePasscode: false, requireAdmission: false });
    expect(levelRequirements('passcode', false)).toEqual({ requirePasscode: true, requireAdmission: false });
    expect(levelRequirements('lobby', false)).toEqual({ requirePasscode: false, requireAdmission: true });
    expect(levelRequirements('lobby', true)).toEqual({ requirePasscode: true, requireAdmission: true });
  });

  it('reads the level back from an invite', () => {
    for (const level of inviteLevels) {
      for (const lobbyPasscode of [false, true]) {
        expect(levelOf(levelRequirements(level, lobbyPasscode))).toBe(level);
      }
    }
  });

  it('tells a revoked, expired or used single-use link from an active one', () => {
    const base = { revokedAt: null, expiresAt: null, singleUse: false, uses: 3 };
    expect(inviteState(base, 1_000)).toBe('active');
    expect(inviteState({ ...base, revokedAt: 5, expiresAt: 10 }, 1_000)).toBe('revoked');
    expect(inviteState({ ...base, expiresAt: 1_000 }, 1_000)).toBe('expired');
    expect(inviteState({ ...base, expiresAt: 1_001 }, 1_000)).toBe('active');
    expect(inviteState({ ...base, singleUse: true, uses: 1 }, 1_000)).toBe('used');
    expect(inviteState({ ...base, singleUse: true, uses: 0 }, 1_000)).toBe('active');
  });
});
