import { describe, expect, it } from 'vitest';
import { deadEndOf } from './deadEnds.ts';

describe('deadEndOf', () => {
  it('makes a revoked, used or unknown invite link a dead end, from its preview or its redemption', () => {
    expect(deadEndOf({ kind: 'preview', reason: 'invite-invalid' }, 'invite')).toBe('invite-invalid');
    // A bare 404 (a proxy's page) reads the same.
    expect(deadEndOf({ kind: 'preview', reason: 'room-not-found' }, 'invite')).toBe('invite-invalid');
    expect(deadEndOf({ kind: 'token', reason: 'invite-invalid' }, 'invite')).toBe('invite-invalid');
    expect(deadEndOf({ kind: 'refused', reason: 'invite-invalid' }, 'invite')).toBe('invite-invalid');
  });

  it('makes a meeting that does not exist a dead end, whichever way in', () => {
    expect(deadEndOf({ kind: 'token', reason: 'room-not-found' }, 'open')).toBe('meeting-not-found');
    expect(deadEndOf({ kind: 'refused', reason: 'room-not-found' }, 'open')).toBe('meeting-not-found');
    expect(deadEndOf({ kind: 'token', reason: 'room-not-found' }, 'host')).toBe('meeting-not-found');
    expect(deadEndOf({ kind: 'refused', reason: 'forbidden' }, 'invite')).toBe('invite-invalid');
  });

  it('makes removal, the host link signed out and a cancelled meeting dead ends', () => {
    expect(deadEndOf({ kind: 'refused', reason: 'removed' }, 'invite')).toBe('removed');
    expect(deadEndOf({ kind: 'token', reason: 'unauthorized' }, 'host')).toBe('sign-in');
    expect(deadEndOf({ kind: 'token', reason: 'csrf' }, 'host')).toBe('sign-in');
    expect(deadEndOf({ kind: 'token', reason: 'conflict' }, 'host')).toBe('meeting-cancelled');
  });

  it('keeps the join form for what trying again may cure', () => {
    for (const reason of [
      'network',
      'busy',
      'rate-limited',
      'wrong-passcode',
      'invalid-passcode',
      'invalid-name',
      'internal',
    ] as const) {
      expect(deadEndOf({ kind: 'token', reason }, 'invite'), reason).toBeNull();
      expect(deadEndOf({ kind: 'preview', reason }, 'invite'), reason).toBeNull();
    }
    expect(deadEndOf({ kind: 'token', reason: 'unauthorized' }, 'open')).toBeNull();
    expect(deadEndOf({ kind: 'refused', reason: 'unauthorized' }, 'host')).toBeNull();
    expect(deadEndOf({ kind: 'e2ee-unavailable' }, 'open')).toBeNull();
  });
});
