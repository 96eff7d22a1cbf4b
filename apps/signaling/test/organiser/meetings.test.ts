import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { meetingListResponseSchema, meetingSummarySchema } from '@confidentiel/protocol';
import { ALICE, BOB, errorOf, startOrganiserApp, type OrganiserApp } from './support.ts';

describe('organiser meetings', () => {
  let h: OrganiserApp;

  beforeEach(async () => {
    h = await startOrganiserApp();
  });

  afterEach(async () => {
    await h?.close();
  });

  it('creates a meeting with a 128-bit id, early entry off by default', async () => {
    const startsAt = h.clock.now() + 86_400_000;
    const meeting = await h.createMeeting(ALICE, {
      title: '  Divorce Martin  ',
      kind: 'consultation',
      startsAt,
    });
    expect(meeting.meetingId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(meeting).toMatchObject({
      title: 'Divorce Martin',
      kind: 'consultation',
      startsAt,
      status: 'scheduled',
      allowEarlyEntry: false,
      createdAt: h.clock.now(),
    });
  });

  it('lists only the caller’s own meetings, by start time, cancelled ones included', async () => {
    const later = await h.createMeeting(ALICE, { title: 'Later', startsAt: h.clock.now() + 7_200_000 });
    const sooner = await h.createMeeting(ALICE, { title: 'Sooner', startsAt: h.clock.now() + 60_000 });
    await h.createMeeting(BOB, { title: 'Bob only' });
    await h.call('POST', `/organiser/meetings/${later.meetingId}/cancel`);

    const res = await h.call('GET', '/organiser/meetings');
    expect(res.status).toBe(200);
    const { meetings } = meetingListResponseSchema.parse(await res.json());
    expect(meetings.map((m) => [m.title, m.status])).toEqual([
      ['Sooner', 'scheduled'],
      ['Later', 'cancelled'],
    ]);
    expect(meetings[0]).toEqual(sooner);

    const bobs = meetingListResponseSchema.parse(
      await (await h.call('GET', '/organiser/meetings', { account: BOB })).json(),
    );
    expect(bobs.meetings.map((m) => m.title)).toEqual(['Bob only']);
  });

  it('edits only the fields a PATCH names', async () => {
    const meeting = await h.createMeeting();
    const res = await h.call('PATCH', `/organiser/meetings/${meeting.meetingId}`, {
      body: { title: 'Renamed', allowEarlyEntry: true },
    });
    expect(res.status).toBe(200);
    const updated = meetingSummarySchema.parse(await res.json());
    expect(updated).toEqual({ ...meeting, title: 'Renamed', allowEarlyEntry: true });
    expect((await h.detail(meeting.meetingId)).meeting).toEqual(updated);

    const moved = await h.call('PATCH', `/organiser/meetings/${meeting.meetingId}`, {
      body: { startsAt: 1_000, kind: 'committee' },
    });
    expect(meetingSummarySchema.parse(await moved.json())).toEqual({
      ...updated,
      startsAt: 1_000,
      kind: 'committee',
    });
  });

  it('refuses an empty PATCH with 400 invalid-payload', async () => {
    const meeting = await h.createMeeting();
    const res = await h.call('PATCH', `/organiser/meetings/${meeting.meetingId}`, { body: {} });
    expect((await errorOf(res, 400)).reason).toBe('invalid-payload');
  });

  it('cancels a meeting: it stays in the owner’s list, is no longer joinable, and cannot be edited', async () => {
    const meeting = await h.createMeeting();
    expect(await h.meetings.get(meeting.meetingId)).toBeDefined();

    const res = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/cancel`);
    expect(res.status).toBe(200);
    expect(meetingSummarySchema.parse(await res.json()).status).toBe('cancelled');
    // A cancelled meeting looks unknown to anyone joining.
    expect(await h.meetings.get(meeting.meetingId)).toBeUndefined();
    expect((await h.detail(meeting.meetingId)).meeting.status).toBe('cancelled');

    // Cancelling again is harmless.
    const again = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/cancel`);
    expect(again.status).toBe(200);

    const patch = await h.call('PATCH', `/organiser/meetings/${meeting.meetingId}`, {
      body: { title: 'Back' },
    });
    expect((await errorOf(patch, 409)).reason).toBe('conflict');
    const invite = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/invites`, {
      body: { requirePasscode: false, requireAdmission: false },
    });
    expect((await errorOf(invite, 409)).reason).toBe('conflict');
    const host = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/host-token`);
    expect((await errorOf(host, 409)).reason).toBe('conflict');
    expect((await h.detail(meeting.meetingId)).meeting.title).toBe(meeting.title);
  });

  it('answers another organiser’s meeting exactly like an unknown one, on every route', async () => {
    const alices = await h.createMeeting(ALICE);
    const invite = await h.createInvite(alices.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
    });
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    const routes: [string, (id: string) => string, unknown][] = [
      ['GET', (id) => `/organiser/meetings/${id}`, undefined],
      ['PATCH', (id) => `/organiser/meetings/${id}`, { title: 'Taken over' }],
      ['POST', (id) => `/organiser/meetings/${id}/cancel`, undefined],
      [
        'POST',
        (id) => `/organiser/meetings/${id}/invites`,
        { requirePasscode: false, requireAdmission: false },
      ],
      ['POST', (id) => `/organiser/meetings/${id}/invites/${invite.invite.inviteId}/revoke`, undefined],
      ['POST', (id) => `/organiser/meetings/${id}/host-token`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const theirs = await h.call(method, path(alices.meetingId), { account: BOB, body });
      const none = await h.call(method, path(unknown), { account: BOB, body });
      expect(theirs.status, `${method} ${path('…')}`).toBe(404);
      expect(none.status).toBe(404);
      const theirsText = await theirs.text();
      expect(theirsText).toBe(await none.text());
      expect(JSON.parse(theirsText)).toEqual({ reason: 'room-not-found', message: 'room not found' });
    }
    // Nothing Bob did changed Alice's meeting or invite.
    const detail = await h.detail(alices.meetingId);
    expect(detail.meeting).toEqual(alices);
    expect(detail.invites).toEqual([invite.invite]);
  });

  it('refuses organiser routes without an account (the injected middleware answers)', async () => {
    const res = await h.call('GET', '/organiser/meetings', { account: undefined });
    expect((await errorOf(res, 401)).reason).toBe('unauthorized');
    const create = await h.call('POST', '/organiser/meetings', {
      account: undefined,
      body: { title: 'x', kind: 'meeting', startsAt: 0 },
    });
    expect(create.status).toBe(401);
    expect(await h.meetings.listByOwner(ALICE)).toEqual([]);
  });

  it('issues the owner a host token: role host, no lobby, the account’s display name, no invite', async () => {
    const meeting = await h.createMeeting();
    const res = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/host-token`);
    const claims = await h.claimsOf(res);
    expect(claims).toMatchObject({
      room: meeting.meetingId,
      role: 'host',
      lobby: false,
      name: 'Maître alice',
    });
    expect(claims.invite).toBeUndefined();
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('gives each host token a distinct member id', async () => {
    const meeting = await h.createMeeting();
    const path = `/organiser/meetings/${meeting.meetingId}/host-token`;
    const a = await h.claimsOf(await h.call('POST', path));
    const b = await h.claimsOf(await h.call('POST', path));
    expect(a.sub).not.toBe(b.sub);
  });
});
