import { describe, expect, it } from 'vitest';
import { secretFromInviteLink } from './recoverLinkSecret.ts';

const ORIGIN = 'https://visio.example.fr';
const INVITE_ID = 'InViTeIdInViTeIdInViTe';
const SECRET = 'cCQJOjjToJ8tde6pQSgplg6MoG-W-SEHBCqV1Hyn6Os';

describe('recovering a link secret from a pasted invite link', () => {
  it('takes the secret of a full link to one of the meeting invites', () => {
    expect(secretFromInviteLink(` ${ORIGIN}/i/${INVITE_ID}#k=${SECRET} `, [INVITE_ID], ORIGIN)).toEqual({
      status: 'found',
      secret: SECRET,
    });
  });

  it('refuses a link without a usable secret', () => {
    expect(secretFromInviteLink(`${ORIGIN}/i/${INVITE_ID}`, [INVITE_ID], ORIGIN).status).toBe('no-secret');
    expect(secretFromInviteLink(`${ORIGIN}/i/${INVITE_ID}#k=abc`, [INVITE_ID], ORIGIN).status).toBe(
      'no-secret',
    );
    expect(secretFromInviteLink('', [INVITE_ID], ORIGIN).status).toBe('no-secret');
  });

  it('refuses the link of another meeting, whose secret would not match', () => {
    expect(
      secretFromInviteLink(`${ORIGIN}/i/OtherInviteOtherInvite#k=${SECRET}`, [INVITE_ID], ORIGIN).status,
    ).toBe('other-meeting');
    expect(
      secretFromInviteLink(`${ORIGIN}/m/AbCdEfGhIjKlMnOpQrStUv#k=${SECRET}`, [INVITE_ID], ORIGIN).status,
    ).toBe('other-meeting');
  });
});
