import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invitePreviewResponseSchema } from '@confidentiel/protocol';
import { ALICE, errorOf, startOrganiserApp, type OrganiserApp } from './support.ts';

const INVALID = { reason: 'invite-invalid', message: 'this invitation link is not valid' };

describe('invites', () => {
  let h: OrganiserApp;

  beforeEach(async () => {
    h = await startOrganiserApp();
  });

  afterEach(async () => {
    await h?.close();
  });

  /** Both guest routes refuse the invite with the one invite-invalid body. */
  async function expectRefused(inviteId: string): Promise<void> {
    const preview = await h.call('GET', `/invites/${inviteId}`, { account: undefined });
    expect(await errorOf(preview, 404)).toEqual(INVALID);
    const redeem = await h.redeem(inviteId, { displayName: 'Client', passcode: '12345678' });
    expect(await errorOf(redeem, 404)).toEqual(INVALID);
  }

  it('level 1 (link): the link alone gives a participant token with the invite id and no lobby', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
    });
    expect(created.passcode).toBeNull();
    expect(created.invitePath).toBe(`/i/${created.invite.inviteId}`);
    expect(created.invite.inviteId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.invite).toMatchObject({ role: 'participant', label: null, singleUse: false, uses: 0 });

    const claims = await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: '  M. Dupont ' }));
    expect(claims).toMatchObject({
      room: meeting.meetingId,
      name: 'M. Dupont',
      role: 'participant',
      lobby: false,
      invite: created.invite.inviteId,
    });
  });

  it('level 2 (passcode): the right passcode gives a token; the invite says a passcode is needed', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
      role: 'observer',
    });
    expect(created.passcode).toMatch(/^\d{8}$/);
    const preview = invitePreviewResponseSchema.parse(
      await (await h.call('GET', `/invites/${created.invite.inviteId}`, { account: undefined })).json(),
    );
    expect(preview.requirePasscode).toBe(true);

    const missing = await h.redeem(created.invite.inviteId, { displayName: 'Client' });
    expect(await errorOf(missing, 401)).toMatchObject({ reason: 'passcode-required' });
    const claims = await h.claimsOf(
      await h.redeem(created.invite.inviteId, { displayName: 'Client', passcode: ` ${created.passcode} ` }),
    );
    expect(claims).toMatchObject({ role: 'observer', lobby: false, invite: created.invite.inviteId });
  });

  it('takes the passcode as people type it, and says a malformed one is about the passcode', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
    });
    const passcode = created.passcode!;
    const inviteId = created.invite.inviteId;
    const malformed = await h.redeem(inviteId, { displayName: 'Client', passcode: '12ab' });
    expect(await errorOf(malformed, 400)).toMatchObject({ reason: 'invalid-payload', field: 'passcode' });
    const badName = await h.redeem(inviteId, { displayName: ' ', passcode });
    expect(await errorOf(badName, 400)).toMatchObject({ reason: 'invalid-payload', field: 'displayName' });
    const dictated = `${passcode.slice(0, 2)} ${passcode.slice(2, 4)}-${passcode.slice(4, 6)}.${passcode.slice(6)}`;
    const claims = await h.claimsOf(await h.redeem(inviteId, { displayName: 'Client', passcode: dictated }));
    expect(claims).toMatchObject({ invite: inviteId });
  });

  it('level 3 (lobby): the token says a host must admit; co-host role carried', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: true,
      role: 'co-host',
    });
    const claims = await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: 'Associée' }));
    expect(claims).toMatchObject({ role: 'co-host', lobby: true, invite: created.invite.inviteId });
  });

  it('returns the passcode once: the detail listing and the stored row hold no passcode', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: true,
    });
    const passcode = created.passcode!;
    const detail = await h.detail(meeting.meetingId);
    expect(detail.invites).toEqual([created.invite]);
    expect(detail.invites[0]!.requirePasscode).toBe(true);
    expect(JSON.stringify(detail)).not.toContain(passcode);

    const row = h.database.sqlite.prepare('SELECT * FROM invites').get() as Record<string, unknown>;
    expect(String(row.passcode_hash)).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain(passcode);
    expect(h.logs.join('\n')).not.toContain(passcode);
  });

  it('makes a fresh passcode for each invite', async () => {
    const meeting = await h.createMeeting();
    const passcodes = new Set<string | null>();
    for (let i = 0; i < 5; i++) {
      passcodes.add(
        (await h.createInvite(meeting.meetingId, { requirePasscode: true, requireAdmission: false }))
          .passcode,
      );
    }
    expect(passcodes.size).toBe(5);
  });

  it('previews a personal link with its label, the meeting title, kind and start', async () => {
    const meeting = await h.createMeeting(ALICE, { title: 'Succession Leroy', kind: 'committee' });
    const created = await h.createInvite(meeting.meetingId, {
      label: 'Jeanne Leroy',
      requirePasscode: false,
      requireAdmission: true,
    });
    const res = await h.call('GET', `/invites/${created.invite.inviteId}`, { account: undefined });
    expect(res.status).toBe(200);
    expect(invitePreviewResponseSchema.parse(await res.json())).toEqual({
      meetingTitle: 'Succession Leroy',
      kind: 'committee',
      startsAt: meeting.startsAt,
      requirePasscode: false,
      label: 'Jeanne Leroy',
    });
  });

  it('refuses a revoked link, and the listing shows when it was revoked', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
    });
    await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: 'Before' }));

    h.clock.advance(1_000);
    const res = await h.call(
      'POST',
      `/organiser/meetings/${meeting.meetingId}/invites/${created.invite.inviteId}/revoke`,
    );
    expect(res.status).toBe(204);
    await expectRefused(created.invite.inviteId);
    expect(await h.invites.isRevoked(created.invite.inviteId)).toBe(true);

    // Revoking again keeps the first time.
    h.clock.advance(1_000);
    await h.call(
      'POST',
      `/organiser/meetings/${meeting.meetingId}/invites/${created.invite.inviteId}/revoke`,
    );
    const [listed] = (await h.detail(meeting.meetingId)).invites;
    expect(listed).toMatchObject({ revokedAt: h.clock.now() - 1_000, uses: 1 });
  });

  it('does not revoke an invite through another meeting of the same organiser', async () => {
    const first = await h.createMeeting();
    const second = await h.createMeeting();
    const created = await h.createInvite(first.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
    });
    const res = await h.call(
      'POST',
      `/organiser/meetings/${second.meetingId}/invites/${created.invite.inviteId}/revoke`,
    );
    expect(await errorOf(res, 404)).toEqual(INVALID);
    expect(await h.invites.isUsable(created.invite.inviteId)).toBe(true);
  });

  it('refuses an expired link (injected clock), and accepts it until then', async () => {
    const meeting = await h.createMeeting();
    const expiresAt = h.clock.now() + 60_000;
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
      expiresAt,
    });
    h.clock.advance(59_999);
    await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: 'On time' }));
    h.clock.advance(1);
    await expectRefused(created.invite.inviteId);
  });

  it('refuses to create an invite that has already expired', async () => {
    const meeting = await h.createMeeting();
    const res = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/invites`, {
      body: { requirePasscode: false, requireAdmission: false, expiresAt: h.clock.now() },
    });
    expect(await errorOf(res, 400)).toMatchObject({ reason: 'invalid-payload', field: 'expiresAt' });
    expect((await h.detail(meeting.meetingId)).invites).toEqual([]);
  });

  it('single use: the second redemption is refused, and the listing counts one use', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
      singleUse: true,
    });
    await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: 'First' }));
    await expectRefused(created.invite.inviteId);
    expect((await h.detail(meeting.meetingId)).invites[0]!.uses).toBe(1);
    // Used up is not revoked: the member already in stays in.
    expect(await h.invites.isRevoked(created.invite.inviteId)).toBe(false);
  });

  it('single use: a refused redemption (missing or wrong passcode, bad body) does not use the invite', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
      singleUse: true,
    });
    const id = created.invite.inviteId;
    const wrong = created.passcode === '00000000' ? '11111111' : '00000000';
    expect((await h.redeem(id, { displayName: 'Client' })).status).toBe(401);
    expect((await h.redeem(id, { displayName: 'Client', passcode: wrong })).status).toBe(401);
    expect((await h.redeem(id, { displayName: '', passcode: created.passcode })).status).toBe(400);
    expect((await h.detail(meeting.meetingId)).invites[0]!.uses).toBe(0);
    await h.claimsOf(await h.redeem(id, { displayName: 'Client', passcode: created.passcode }));
  });

  it('counts every use of a shared link', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
    });
    for (const name of ['A', 'B', 'C']) {
      await h.claimsOf(await h.redeem(created.invite.inviteId, { displayName: name }));
    }
    expect((await h.detail(meeting.meetingId)).invites[0]!.uses).toBe(3);
  });

  it('refuses the invites of a cancelled meeting, exactly like an unknown invite', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: true,
    });
    await h.call('POST', `/organiser/meetings/${meeting.meetingId}/cancel`);
    await expectRefused(created.invite.inviteId);
    await expectRefused('AAAAAAAAAAAAAAAAAAAAAA');
    expect(await h.invites.isUsable(created.invite.inviteId)).toBe(false);
  });

  it('never logs invite ids or passcodes', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
    });
    await h.redeem(created.invite.inviteId, { displayName: 'Client', passcode: '99999999' });
    await h.claimsOf(
      await h.redeem(created.invite.inviteId, { displayName: 'Client', passcode: created.passcode }),
    );
    const logs = h.logs.join('\n');
    expect(logs).toContain('invite redeemed');
    expect(logs).not.toContain(created.invite.inviteId);
    expect(logs).not.toContain(meeting.meetingId);
    expect(logs).not.toContain(created.passcode);
  });
});
