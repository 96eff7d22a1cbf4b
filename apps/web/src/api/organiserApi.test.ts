import { describe, expect, it } from 'vitest';
import type { FetchLike } from './meetingsApi.ts';
import { OrganiserApi } from './organiserApi.ts';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: unknown, calls: Call[] = []): FetchLike {
  return (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
    );
  };
}

function headersOf(call: Call | undefined): Record<string, string> {
  return (call?.init.headers ?? {}) as Record<string, string>;
}

function bodyOf(call: Call | undefined): unknown {
  return JSON.parse(call?.init.body as string);
}

const CSRF = 'csrf-0123456789abcdef';
const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';
const INVITE_ID = 'InViTeIdInViTeIdInViTe';
const MEETING = {
  meetingId: MEETING_ID,
  title: 'Consultation Martin',
  kind: 'consultation',
  startsAt: 1_900_000_000_000,
  status: 'scheduled',
  lastSession: null,
  allowEarlyEntry: false,
  createdAt: 1_800_000_000_000,
};
const INVITE = {
  inviteId: INVITE_ID,
  meetingId: MEETING_ID,
  label: 'M. Martin',
  role: 'participant',
  requirePasscode: true,
  requireAdmission: false,
  singleUse: false,
  expiresAt: null,
  createdAt: 1_800_000_000_000,
  revokedAt: null,
  uses: 0,
};

describe('organiser API', () => {
  it('lists meetings with a GET that carries the cookie and no body', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(200, { meetings: [MEETING] }, calls));
    await expect(api.listMeetings()).resolves.toEqual([MEETING]);
    expect(calls[0]?.url).toBe('/api/organiser/meetings');
    expect(calls[0]?.init.method).toBe('GET');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(calls[0]?.init.body).toBeUndefined();
  });

  it('creates a meeting with the CSRF header and the JSON body', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(201, MEETING, calls));
    const request = {
      title: 'Consultation Martin',
      kind: 'consultation' as const,
      startsAt: 1,
      allowEarlyEntry: true,
    };
    await expect(api.createMeeting(request)).resolves.toEqual(MEETING);
    expect(calls[0]?.url).toBe('/api/organiser/meetings');
    expect(calls[0]?.init.method).toBe('POST');
    expect(headersOf(calls[0])['x-csrf-token']).toBe(CSRF);
    expect(headersOf(calls[0])['content-type']).toBe('application/json');
    expect(bodyOf(calls[0])).toEqual(request);
  });

  it('accepts the created meeting wrapped as { meeting }, and refuses anything else', async () => {
    const request = { title: 'T', kind: 'meeting' as const, startsAt: 1, allowEarlyEntry: false };
    await expect(
      new OrganiserApi(CSRF, fakeFetch(201, { meeting: MEETING, invites: [] })).createMeeting(request),
    ).resolves.toEqual(MEETING);
    await expect(
      new OrganiserApi(CSRF, fakeFetch(201, { meetingId: MEETING_ID })).createMeeting(request),
    ).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('reads a meeting with its invites', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(200, { meeting: MEETING, invites: [INVITE] }, calls));
    await expect(api.getMeeting(MEETING_ID)).resolves.toEqual({ meeting: MEETING, invites: [INVITE] });
    expect(calls[0]?.url).toBe(`/api/organiser/meetings/${MEETING_ID}`);
  });

  it('updates with PATCH and only the changed fields, and refuses an empty change', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(200, MEETING, calls));
    await api.updateMeeting(MEETING_ID, { title: 'Nouveau titre' });
    expect(calls[0]?.init.method).toBe('PATCH');
    expect(calls[0]?.url).toBe(`/api/organiser/meetings/${MEETING_ID}`);
    expect(headersOf(calls[0])['x-csrf-token']).toBe(CSRF);
    expect(bodyOf(calls[0])).toEqual({ title: 'Nouveau titre' });
    await expect(api.updateMeeting(MEETING_ID, {})).rejects.toBeInstanceOf(TypeError);
    expect(calls).toHaveLength(1);
  });

  it('cancels a meeting and revokes an invite with the CSRF header', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(204, undefined, calls));
    await api.cancelMeeting(MEETING_ID);
    await api.revokeInvite(MEETING_ID, INVITE_ID);
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ['POST', `/api/organiser/meetings/${MEETING_ID}/cancel`],
      ['POST', `/api/organiser/meetings/${MEETING_ID}/invites/${INVITE_ID}/revoke`],
    ]);
    for (const call of calls) {
      expect(headersOf(call)['x-csrf-token']).toBe(CSRF);
    }
  });

  it('creates an invite and returns the passcode shown once', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(
      CSRF,
      fakeFetch(201, { invite: INVITE, invitePath: `/i/${INVITE_ID}`, passcode: '48213957' }, calls),
    );
    const request = {
      label: 'M. Martin',
      role: 'participant' as const,
      requirePasscode: true,
      requireAdmission: false,
      singleUse: false,
      expiresAt: null,
    };
    await expect(api.createInvite(MEETING_ID, request)).resolves.toEqual({
      invite: INVITE,
      passcode: '48213957',
    });
    expect(calls[0]?.url).toBe(`/api/organiser/meetings/${MEETING_ID}/invites`);
    expect(headersOf(calls[0])['x-csrf-token']).toBe(CSRF);
    expect(bodyOf(calls[0])).toEqual(request);
  });

  it('refuses an invite answer for another meeting', async () => {
    const other = { ...INVITE, meetingId: 'ZzZzZzZzZzZzZzZzZzZzZz' };
    const api = new OrganiserApi(CSRF, fakeFetch(201, { invite: other, invitePath: '/i/x', passcode: null }));
    await expect(
      api.createInvite(MEETING_ID, {
        label: null,
        role: 'observer',
        requirePasscode: false,
        requireAdmission: true,
        singleUse: false,
        expiresAt: null,
      }),
    ).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('refuses malformed ids without asking the server', async () => {
    const calls: Call[] = [];
    const api = new OrganiserApi(CSRF, fakeFetch(200, {}, calls));
    await expect(api.getMeeting('../../admin')).rejects.toMatchObject({ reason: 'room-not-found' });
    await expect(api.revokeInvite(MEETING_ID, '../x')).rejects.toMatchObject({ reason: 'not-found' });
    expect(calls).toHaveLength(0);
  });

  it('carries the server reasons of a lost session and a CSRF refusal', async () => {
    await expect(
      new OrganiserApi(CSRF, fakeFetch(401, { reason: 'unauthorized', message: 'x' })).listMeetings(),
    ).rejects.toMatchObject({ reason: 'unauthorized', status: 401 });
    await expect(
      new OrganiserApi(CSRF, fakeFetch(403, { reason: 'csrf', message: 'x' })).cancelMeeting(MEETING_ID),
    ).rejects.toMatchObject({ reason: 'csrf', status: 403 });
    await expect(
      new OrganiserApi(CSRF, fakeFetch(404, { reason: 'room-not-found', message: 'x' })).getMeeting(
        MEETING_ID,
      ),
    ).rejects.toMatchObject({ reason: 'room-not-found' });
  });

  it('needs a CSRF token', () => {
    expect(() => new OrganiserApi('')).toThrow(TypeError);
  });
});
