import { describe, expect, it } from 'vitest';
import { redeemInvite } from './invitesApi.ts';
import type { FetchLike } from './meetingsApi.ts';

const INVITE_ID = 'AbCdEfGhIjKlMnOpQrStUv';

function answer(status: number, body: unknown, sent: unknown[] = []): FetchLike {
  return (_url, init) => {
    sent.push(JSON.parse(init.body as string));
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  };
}

describe('invites API', () => {
  it('sends the passcode and the name', async () => {
    const sent: unknown[] = [];
    const token = { meetingId: INVITE_ID, token: 't', expiresAt: 9 };
    await expect(
      redeemInvite(INVITE_ID, 'Client Martin', '12345678', answer(201, token, sent)),
    ).resolves.toEqual(token);
    expect(sent).toEqual([{ displayName: 'Client Martin', passcode: '12345678' }]);
  });

  it('says a malformed passcode is about the passcode, and a refused name about the name', async () => {
    const passcode = {
      reason: 'invalid-payload',
      message: 'passcode: a passcode is 6 to 12 digits',
      field: 'passcode',
    };
    await expect(
      redeemInvite(INVITE_ID, 'Client Martin', '12ab', answer(400, passcode)),
    ).rejects.toMatchObject({
      reason: 'invalid-passcode',
    });
    const name = { reason: 'invalid-payload', message: 'displayName: empty', field: 'displayName' };
    await expect(redeemInvite(INVITE_ID, ' ', '12345678', answer(400, name))).rejects.toMatchObject({
      reason: 'invalid-name',
    });
  });

  it('keeps the other refusals as the server gave them', async () => {
    const wrong = { reason: 'wrong-passcode', message: 'wrong passcode' };
    await expect(redeemInvite(INVITE_ID, 'A', '12345678', answer(401, wrong))).rejects.toMatchObject({
      reason: 'wrong-passcode',
      status: 401,
    });
  });
});
