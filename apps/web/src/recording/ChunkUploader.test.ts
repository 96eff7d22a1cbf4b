import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/meetingsApi.ts';
import { MemoryChunkQueue } from './ChunkQueue.ts';
import { ChunkUploader, failureKind } from './ChunkUploader.ts';
import type { RecordingServer } from './RecordingApi.ts';
import { FakeRecordingServer } from './testing/fakes.ts';

const policy = { baseMs: 10, maxMs: 40, maxAttempts: 3 };

async function setup(chunks = 3): Promise<{
  queue: MemoryChunkQueue;
  server: FakeRecordingServer;
  recordingId: string;
  writeToken: string;
  sleeps: number[];
  uploader: ChunkUploader;
}> {
  const queue = new MemoryChunkQueue();
  const server = new FakeRecordingServer();
  const { recordingId, writeToken } = await server.create('MeetingIdMeetingIdMeet');
  for (let index = 0; index < chunks; index++) {
    await queue.put({ recordingId, index, sealed: new Uint8Array([index, 1, 2, 3]) });
  }
  const sleeps: number[] = [];
  const uploader = new ChunkUploader({
    queue,
    server,
    recordingId,
    writeToken,
    policy,
    random: () => 1,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { queue, server, recordingId, writeToken, sleeps, uploader };
}

describe('chunk uploader', () => {
  it('uploads in index order and empties the queue', async () => {
    const { queue, server, recordingId, uploader } = await setup();
    expect(await uploader.drain()).toBe(true);
    expect(server.calls.filter((c) => c.startsWith('putChunk'))).toEqual([
      'putChunk:0',
      'putChunk:1',
      'putChunk:2',
    ]);
    expect(await queue.count(recordingId)).toBe(0);
    expect(uploader.progress).toEqual({ uploaded: 3, pending: 0, rejected: 0, failing: false });
  });

  it('retries with growing delays and keeps the chunk until acknowledged', async () => {
    const { queue, server, recordingId, sleeps, uploader } = await setup(1);
    server.failNext('putChunk', new ApiError('network', 'down'), 2);
    expect(await uploader.drain()).toBe(true);
    expect(sleeps).toEqual([10, 20]);
    expect(await queue.count(recordingId)).toBe(0);
  });

  it('gives up after the bounded tries, keeps everything queued, and succeeds on the next pass', async () => {
    const { queue, server, recordingId, sleeps, uploader } = await setup(2);
    server.failNext('putChunk', new ApiError('internal', 'boom'), 3);
    expect(await uploader.drain()).toBe(false);
    expect(sleeps).toHaveLength(policy.maxAttempts - 1);
    expect(await queue.count(recordingId)).toBe(2);
    expect(uploader.progress.failing).toBe(true);
    expect(server.recordings.get(recordingId)?.chunks.size).toBe(0);
    expect(await uploader.drain()).toBe(true);
    expect(uploader.progress).toMatchObject({ uploaded: 2, pending: 0, failing: false });
  });

  it('never deletes a chunk whose acknowledgement names other bytes', async () => {
    const { queue, recordingId, writeToken } = await setup(1);
    const lying: RecordingServer = {
      ...new FakeRecordingServer(),
      putChunk: () => Promise.resolve({ sha256: '00'.repeat(32) }),
    } as unknown as RecordingServer;
    const uploader = new ChunkUploader({
      queue,
      server: lying,
      recordingId,
      writeToken,
      policy,
      sleep: () => Promise.resolve(),
    });
    expect(await uploader.drain()).toBe(false);
    expect(await queue.count(recordingId)).toBe(1);
  });

  it('stops on a refusal that will not pass with this token, keeping the chunk', async () => {
    const { queue, server, recordingId, sleeps, uploader } = await setup(2);
    server.failNext('putChunk', new ApiError('forbidden', 'not the chair'));
    expect(await uploader.drain()).toBe(false);
    expect(sleeps).toEqual([]);
    expect(await queue.count(recordingId)).toBe(2);
  });

  it('drops a chunk the server refuses for good (conflict) and goes on', async () => {
    const { queue, server, recordingId, uploader } = await setup(2);
    server.failNext('putChunk', new ApiError('conflict', 'other bytes'));
    expect(await uploader.drain()).toBe(true);
    expect(await queue.count(recordingId)).toBe(0);
    expect(uploader.progress).toMatchObject({ uploaded: 1, rejected: 1 });
  });

  it('takes chunks queued while a pass runs, and shares one pass between callers', async () => {
    const { queue, server, recordingId, uploader } = await setup(1);
    const first = uploader.drain();
    const second = uploader.drain();
    await queue.put({ recordingId, index: 1, sealed: new Uint8Array([9]) });
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(server.calls.filter((c) => c.startsWith('putChunk')).sort()).toEqual(['putChunk:0', 'putChunk:1']);
    expect(await queue.count(recordingId)).toBe(0);
  });

  it('does nothing once closed', async () => {
    const { queue, server, recordingId, uploader } = await setup(1);
    uploader.close();
    expect(await uploader.drain()).toBe(false);
    expect(server.calls).toEqual(['create']);
    expect(await queue.count(recordingId)).toBe(1);
  });

  it('classifies failures', () => {
    expect(failureKind(new Error('fetch failed'))).toBe('retry');
    expect(failureKind(new ApiError('token-expired', 'x'))).toBe('retry');
    expect(failureKind(new ApiError('rate-limited', 'x'))).toBe('retry');
    expect(failureKind(new ApiError('not-found', 'x'))).toBe('stop');
    expect(failureKind(new ApiError('conflict', 'x'))).toBe('drop');
  });
});
