import { describe, expect, it } from 'vitest';
import { ApiError, type FetchLike } from '../api/meetingsApi.ts';
import { RecordingApi } from './RecordingApi.ts';

interface Sent {
  path: string;
  init: RequestInit;
}

function fakeFetch(answer: () => Response): { fetchFn: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetchFn: (path, init) => {
      sent.push({ path, init });
      return Promise.resolve(answer());
    },
  };
}

const WRITER = 'W'.repeat(43);

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('recording API client', () => {
  it('sends the current room token and the sealed bytes as octet-stream', async () => {
    let token = 'token-one';
    const { fetchFn, sent } = fakeFetch(() => json(201, { index: 4, size: 3, sha256: 'ab'.repeat(32) }));
    const api = new RecordingApi(() => token, fetchFn);
    expect(await api.putChunk('RecordingIdRecordingId', 4, new Uint8Array([1, 2, 3]), WRITER)).toEqual({
      sha256: 'ab'.repeat(32),
    });
    token = 'token-two';
    await api.putChapters('RecordingIdRecordingId', new Uint8Array([9]), WRITER);
    expect(sent.map((s) => [s.init.method, s.path])).toEqual([
      ['PUT', '/api/recordings/RecordingIdRecordingId/chunks/4'],
      ['PUT', '/api/recordings/RecordingIdRecordingId/chapters'],
    ]);
    const headers = sent.map((s) => s.init.headers as Record<string, string>);
    expect(headers[0]).toEqual({
      authorization: 'Bearer token-one',
      'content-type': 'application/octet-stream',
      'x-recording-writer': WRITER,
    });
    expect(headers[1]?.['x-recording-writer']).toBe(WRITER);
    expect(headers[1]?.authorization).toBe('Bearer token-two');
    expect(Array.from(sent[0]!.init.body as Uint8Array)).toEqual([1, 2, 3]);
  });

  it('parses the creation and the list against the contract', async () => {
    const summary = {
      recordingId: 'RecordingIdRecordingId',
      meetingId: 'MeetingIdMeetingIdMeet',
      startedAt: 1,
      chunks: [{ index: 0, size: 10, sha256: 'cd'.repeat(32) }],
      hasChapters: false,
      finishedAt: null,
    };
    const answers = [
      json(201, { recordingId: summary.recordingId, writeToken: WRITER }),
      json(200, { recordings: [summary] }),
    ];
    const { fetchFn, sent } = fakeFetch(() => answers.shift()!);
    const api = new RecordingApi(() => 't', fetchFn);
    expect(await api.create('MeetingIdMeetingIdMeet')).toEqual({
      recordingId: summary.recordingId,
      writeToken: WRITER,
    });
    expect(await api.list('MeetingIdMeetingIdMeet')).toEqual([summary]);
    expect(sent.map((s) => `${s.init.method} ${s.path}`)).toEqual([
      'POST /api/meetings/MeetingIdMeetingIdMeet/recordings',
      'GET /api/meetings/MeetingIdMeetingIdMeet/recordings',
    ]);
    const broken = new RecordingApi(
      () => 't',
      fakeFetch(() => json(201, { recordingId: '../x', writeToken: WRITER })).fetchFn,
    );
    await expect(broken.create('MeetingIdMeetingIdMeet')).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('turns refusals into ApiError reasons, and an unreachable server into network', async () => {
    const conflict = new RecordingApi(
      () => 't',
      fakeFetch(() => json(409, { reason: 'conflict', message: 'x' })).fetchFn,
    );
    await expect(
      conflict.putChunk('RecordingIdRecordingId', 0, new Uint8Array([1]), WRITER),
    ).rejects.toMatchObject({
      reason: 'conflict',
      status: 409,
    });
    const proxy = new RecordingApi(
      () => 't',
      fakeFetch(() => new Response('<html>', { status: 413 })).fetchFn,
    );
    await expect(
      proxy.putChunk('RecordingIdRecordingId', 0, new Uint8Array([1]), WRITER),
    ).rejects.toMatchObject({
      reason: 'too-large',
    });
    const down = new RecordingApi(
      () => 't',
      () => Promise.reject(new TypeError('fetch failed')),
    );
    const error: unknown = await down.finish('RecordingIdRecordingId', WRITER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).reason).toBe('network');
  });

  it('downloads bytes, and no chapters as null', async () => {
    const answers = [
      new Response(new Uint8Array([7, 8, 9]), { status: 200 }),
      json(404, { reason: 'not-found', message: 'recording not found' }),
    ];
    const api = new RecordingApi(() => 't', fakeFetch(() => answers.shift()!).fetchFn);
    expect(Array.from(await api.getChunk('RecordingIdRecordingId', 2))).toEqual([7, 8, 9]);
    expect(await api.getChapters('RecordingIdRecordingId')).toBeNull();
  });
});
