import { describe, expect, it } from 'vitest';
import type { SessionResponse } from '@confidentiel/protocol';
import { ApiError } from '../api/meetingsApi.ts';
import { checkAccess, type AccessCheckApi } from './accessCheck.ts';

const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';
const SESSION = { csrfToken: 'c'.repeat(32) } as SessionResponse;

function api(overrides: Partial<AccessCheckApi>): AccessCheckApi {
  return {
    openMeeting: () => Promise.resolve(),
    session: () => Promise.resolve(SESSION),
    ownMeetingStatus: () => Promise.resolve('scheduled'),
    ...overrides,
  };
}
const refused = (reason: ApiError['reason']) => () => Promise.reject(new ApiError(reason, 'refused'));

describe('checkAccess', () => {
  it('lets an existing open meeting show its join form, and makes a missing one a dead end', async () => {
    const open = { kind: 'open', meetingId: MEETING_ID } as const;
    await expect(checkAccess(open, api({}))).resolves.toBeNull();
    await expect(checkAccess(open, api({ openMeeting: refused('room-not-found') }))).resolves.toBe(
      'meeting-not-found',
    );
  });

  it('sends the host link to sign-in when signed out, and says a cancelled or unknown meeting', async () => {
    const host = { kind: 'host', meetingId: MEETING_ID } as const;
    await expect(checkAccess(host, api({}))).resolves.toBeNull();
    await expect(checkAccess(host, api({ session: () => Promise.resolve(null) }))).resolves.toBe('sign-in');
    await expect(
      checkAccess(host, api({ ownMeetingStatus: () => Promise.resolve('cancelled') })),
    ).resolves.toBe('meeting-cancelled');
    await expect(checkAccess(host, api({ ownMeetingStatus: refused('room-not-found') }))).resolves.toBe(
      'meeting-not-found',
    );
    await expect(checkAccess(host, api({ ownMeetingStatus: refused('csrf') }))).resolves.toBe('sign-in');
  });

  it('shows the form when the server cannot say (the join then says why)', async () => {
    await expect(
      checkAccess({ kind: 'open', meetingId: MEETING_ID }, api({ openMeeting: refused('network') })),
    ).resolves.toBeNull();
    await expect(
      checkAccess({ kind: 'host', meetingId: MEETING_ID }, api({ session: refused('internal') })),
    ).resolves.toBeNull();
  });

  it('leaves invites to their preview', async () => {
    let asked = false;
    const spy = api({
      openMeeting: () => {
        asked = true;
        return Promise.resolve();
      },
    });
    await expect(checkAccess({ kind: 'invite', inviteId: MEETING_ID }, spy)).resolves.toBeNull();
    expect(asked).toBe(false);
  });
});
