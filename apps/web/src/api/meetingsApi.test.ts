import { describe, expect, it } from 'vitest';
import { ApiError, createMeeting, getOpenMeeting, requestJoinToken, type FetchLike } from './meetingsApi.ts';

const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';

function fakeFetch(
  status: number,
  body: unknown,
  calls: Array<{ url: string; init: RequestInit }> = [],
): FetchLike {
  return (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    );
  };
}

describe('meetings API', () => {
  it('creates a meeting with a JSON POST to its own origin', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const created = await createMeeting(
      fakeFetch(201, { meetingId: MEETING_ID, joinPath: `/m/${MEETING_ID}` }, calls),
    );
    expect(created).toEqual({ meetingId: MEETING_ID, joinPath: `/m/${MEETING_ID}` });
    expect(calls[0]?.url).toBe('/api/meetings');
    expect(calls[0]?.init.method).toBe('POST');
  });

  it('rejects an answer that does not match the schema', async () => {
    await expect(createMeeting(fakeFetch(201, { meetingId: 'short' }))).rejects.toMatchObject({
      reason: 'bad-response',
    });
  });

  it('asks for a join token with the display name', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const token = await requestJoinToken(
      MEETING_ID,
      'Maître Dupont',
      fakeFetch(201, { token: 't', expiresAt: 5 }, calls),
    );
    expect(token).toEqual({ token: 't', expiresAt: 5 });
    expect(calls[0]?.url).toBe(`/api/meetings/${MEETING_ID}/join-tokens`);
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ displayName: 'Maître Dupont' });
  });

  it('carries the refusal reason of an unknown meeting', async () => {
    const failure = await requestJoinToken(
      MEETING_ID,
      'A',
      fakeFetch(404, { reason: 'room-not-found', message: 'unknown' }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ reason: 'room-not-found', status: 404 });
  });

  it('refuses a malformed meeting id without asking the server', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    await expect(requestJoinToken('../../etc', 'A', fakeFetch(201, {}, calls))).rejects.toMatchObject({
      reason: 'room-not-found',
    });
    expect(calls).toHaveLength(0);
  });

  it('maps an error without a body by its status, and a network failure to network', async () => {
    const noBody: FetchLike = () => Promise.resolve(new Response('oops', { status: 500 }));
    await expect(createMeeting(noBody)).rejects.toMatchObject({ reason: 'internal', status: 500 });
    const gateway: FetchLike = () => Promise.resolve(new Response('bad gateway', { status: 502 }));
    await expect(createMeeting(gateway)).rejects.toMatchObject({ reason: 'network', status: 502 });
    const offline: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(createMeeting(offline)).rejects.toMatchObject({ reason: 'network' });
  });

  it('says a refused name is about the name', async () => {
    const failure = await requestJoinToken(
      MEETING_ID,
      'A',
      fakeFetch(400, { reason: 'invalid-payload', message: 'displayName: too long', field: 'displayName' }),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: 'invalid-name', field: 'displayName', status: 400 });
  });

  it('keeps the server message out of the reason, and reads a refusal without a field', async () => {
    const failure = await createMeeting(
      fakeFetch(400, { reason: 'invalid-payload', message: 'title: Too big: expected string to have <=120' }),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ reason: 'invalid-payload', field: null });
  });

  it('asks whether an open meeting exists before showing its join form', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    await getOpenMeeting(MEETING_ID, fakeFetch(200, { meetingId: MEETING_ID }, calls));
    expect(calls[0]?.url).toBe(`/api/meetings/${MEETING_ID}`);
    await expect(
      getOpenMeeting(MEETING_ID, fakeFetch(404, { reason: 'room-not-found', message: 'room not found' })),
    ).rejects.toMatchObject({ reason: 'room-not-found' });
    const none: Array<{ url: string; init: RequestInit }> = [];
    await expect(getOpenMeeting('court', fakeFetch(200, {}, none))).rejects.toMatchObject({
      reason: 'room-not-found',
    });
    expect(none).toHaveLength(0);
  });
});
