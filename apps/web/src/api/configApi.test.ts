import { describe, expect, it } from 'vitest';
import { getServiceConfig } from './configApi.ts';

const answer = (status: number, body: unknown) => () =>
  Promise.resolve(
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );

describe('service configuration', () => {
  it('reads whether open meetings are allowed', async () => {
    expect(await getServiceConfig(answer(200, { openMeetings: true }))).toEqual({ openMeetings: true });
    expect(await getServiceConfig(answer(200, { openMeetings: false }))).toEqual({ openMeetings: false });
  });

  it('assumes organisers only when the answer is unreadable', async () => {
    expect(await getServiceConfig(answer(200, { openMeetings: 'yes' }))).toEqual({ openMeetings: false });
    expect(await getServiceConfig(answer(200, { openMeetings: true, extra: 1 }))).toEqual({
      openMeetings: false,
    });
  });
});
