import { newCommitteeSecret, openCommittee } from '@confidentiel/e2ee';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/meetingsApi.ts';
import { MeetingError } from '../media/MeetingError.ts';
import { MemoryChunkQueue, type QueuedChunk } from './ChunkQueue.ts';
import { CommitteeRecorder, RECORDING_TIMESLICE_MS } from './CommitteeRecorder.ts';
import { RecorderError } from './RecorderError.ts';
import { chaptersContext, chunkContext, deriveRecordingKey } from './recordingKey.ts';
import {
  agendaItem,
  committeeState,
  FakeMediaRecorder,
  FakeRecorderClient,
  FakeRecordingServer,
  fakeMix,
} from './testing/fakes.ts';
import { parseChaptersVtt } from './webvtt.ts';

const MEETING = 'MeetingIdMeetingIdMeet';
const MARKER = 'PLAINTEXT-frame-marker';
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A queue that writes down when each chunk was put, in the same log as the server's calls. */
class LoggingQueue extends MemoryChunkQueue {
  readonly log: string[];

  constructor(log: string[]) {
    super();
    this.log = log;
  }

  override async put(chunk: QueuedChunk): Promise<void> {
    await super.put(chunk);
    this.log.push(`queued:${chunk.index}`);
  }
}

function setup(
  options: { queue?: MemoryChunkQueue; server?: FakeRecordingServer; committeeSecret?: string } = {},
) {
  const log: string[] = [];
  const server = options.server ?? new FakeRecordingServer();
  const queue = options.queue ?? new LoggingQueue(log);
  const client = new FakeRecorderClient();
  const media = new FakeMediaRecorder();
  const mix = fakeMix();
  let time = 1_000_000;
  const clock = {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
  const committeeSecret = options.committeeSecret ?? newCommitteeSecret();
  const recorder = new CommitteeRecorder({
    client,
    meetingId: MEETING,
    committeeSecret,
    server,
    queue,
    createMix: () => mix,
    createRecorder: media.create,
    now: clock.now,
    policy: { baseMs: 1, maxMs: 1, maxAttempts: 2 },
    sleep: () => Promise.resolve(),
  });
  // Server calls go in the same log, after the queue's.
  const putChunk = server.putChunk.bind(server);
  server.putChunk = (recordingId, index, sealed, writeToken) => {
    log.push(`uploaded:${index}`);
    return putChunk(recordingId, index, sealed, writeToken);
  };
  return { log, server, queue, client, media, mix, clock, recorder, committeeSecret };
}

describe('committee recorder', () => {
  it('seals every chunk and keeps it in the queue before uploading it', async () => {
    const { log, server, queue, media, recorder, committeeSecret } = setup();
    const recordingId = await recorder.start();
    expect(media.timeslice).toBe(RECORDING_TIMESLICE_MS);
    for (let i = 0; i < 3; i++) {
      media.deliver(encode(`${MARKER} ${i}`));
    }
    await vi.waitFor(() => expect(recorder.snapshot).toMatchObject({ uploaded: 3, pending: 0 }));
    for (let i = 0; i < 3; i++) {
      expect(log.indexOf(`queued:${i}`)).toBeGreaterThanOrEqual(0);
      expect(log.indexOf(`queued:${i}`)).toBeLessThan(log.indexOf(`uploaded:${i}`));
    }
    expect(await queue.count(recordingId)).toBe(0);
    const key = await deriveRecordingKey(committeeSecret, MEETING);
    const stored = server.recordings.get(recordingId)!.chunks;
    for (let i = 0; i < 3; i++) {
      const sealed = stored.get(i)!.bytes;
      expect(decode(sealed)).not.toContain(MARKER);
      expect(decode(await openCommittee(key, Uint8Array.from(sealed), chunkContext(recordingId, i)))).toBe(
        `${MARKER} ${i}`,
      );
    }
    await recorder.stop();
  });

  it('tells the room before recording and after stopping, then uploads the tail and finishes', async () => {
    const { server, client, media, mix, recorder, queue } = setup();
    const recordingId = await recorder.start();
    expect(client.requests).toEqual([{ name: 'setRecording', payload: { on: true, recordingId } }]);
    expect(mix.updates).toBe(1);
    client.emit('state', client.state);
    expect(mix.updates).toBe(2);
    media.deliver(encode('head'));
    await recorder.stop();
    expect(client.requests.at(-1)).toEqual({
      name: 'setRecording',
      payload: { on: false, recordingId: null },
    });
    expect(mix.closed).toBe(true);
    const stored = server.recordings.get(recordingId)!;
    expect([...stored.chunks.keys()]).toEqual([0, 1]);
    expect(stored.finishedAt).not.toBeNull();
    expect(server.calls.slice(-1)).toEqual(['finish']);
    expect(await queue.sessions(MEETING)).toEqual([]);
    expect(recorder.snapshot).toMatchObject({
      phase: 'idle',
      recordingId: null,
      uploaded: 2,
      pending: 0,
      error: null,
    });
  });

  it('records the agenda as sealed WebVTT chapters', async () => {
    const { server, client, media, clock, recorder, committeeSecret } = setup();
    const items = [agendaItem('item-aaaaaaaa', 'Ouverture'), agendaItem('item-bbbbbbbb', 'Budget')];
    client.committee = committeeState(items, 'item-aaaaaaaa');
    const recordingId = await recorder.start();
    media.deliver(encode('head'));
    clock.advance(90_000);
    client.setCommittee(committeeState(items, 'item-bbbbbbbb'));
    client.setCommittee(committeeState(items, 'item-bbbbbbbb'));
    clock.advance(30_000);
    await recorder.stop();
    expect(server.calls.slice(-2)).toEqual(['putChapters', 'finish']);
    const key = await deriveRecordingKey(committeeSecret, MEETING);
    const sealed = server.recordings.get(recordingId)!.chapters!;
    const vtt = decode(await openCommittee(key, Uint8Array.from(sealed), chaptersContext(recordingId)));
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(parseChaptersVtt(vtt)).toEqual([
      { startMs: 0, endMs: 90_000, title: '1. Ouverture' },
      { startMs: 90_000, endMs: 120_000, title: '2. Budget' },
    ]);
  });

  it('records nothing when the room refuses, and closes the empty recording', async () => {
    const { server, client, media, mix, recorder } = setup();
    client.refuseNext = new MeetingError('forbidden', 'only the chair');
    const error: unknown = await recorder.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecorderError);
    expect((error as RecorderError).reason).toBe('refused');
    expect(media.timeslice).toBeNull();
    expect(mix.closed).toBe(true);
    expect(recorder.snapshot).toMatchObject({ phase: 'idle', error: 'refused' });
    await vi.waitFor(() => expect(server.calls).toContain('finish'));
  });

  it('refuses to start without a usable link secret', async () => {
    const { recorder, server } = setup({ committeeSecret: 'short' });
    await expect(recorder.start()).rejects.toMatchObject({ reason: 'no-committee-key' });
    expect(server.calls).toEqual([]);
    expect(recorder.snapshot.phase).toBe('idle');
  });

  it('keeps chunks it could not upload at stop, and resume() sends them and finishes', async () => {
    const { server, media, recorder, queue } = setup();
    const recordingId = await recorder.start();
    server.failNext('putChunk', new ApiError('network', 'offline'), 100);
    media.deliver(encode('head'));
    media.deliver(encode('body'));
    await recorder.stop();
    expect(recorder.snapshot).toMatchObject({ phase: 'idle', error: 'upload-incomplete' });
    expect(await queue.count(recordingId)).toBe(3);
    expect(server.recordings.get(recordingId)!.finishedAt).toBeNull();

    server.failures.length = 0;
    await recorder.resume();
    expect(recorder.snapshot.error).toBeNull();
    expect(await queue.count(recordingId)).toBe(0);
    expect([...server.recordings.get(recordingId)!.chunks.keys()]).toEqual([0, 1, 2]);
    expect(server.recordings.get(recordingId)!.finishedAt).not.toBeNull();
    expect(await queue.sessions(MEETING)).toEqual([]);
  });

  it('after a reload mid-session, the next page uploads what was queued, with the chapters, and tells the room', async () => {
    const first = setup();
    const items = [agendaItem('item-aaaaaaaa', 'Ouverture')];
    first.client.committee = committeeState(items, 'item-aaaaaaaa');
    const recordingId = await first.recorder.start();
    first.server.failNext('putChunk', new ApiError('network', 'offline'), 100);
    first.media.deliver(encode('head'));
    first.media.deliver(encode('body'));
    await vi.waitFor(async () => expect(await first.queue.count(recordingId)).toBe(2));
    await vi.waitFor(() => expect(first.recorder.snapshot.failing).toBe(true));
    // The page goes away: nothing is stopped, the queue (IndexedDB) and the server remain.
    first.server.failures.length = 0;

    const second = setup({
      queue: first.queue,
      server: first.server,
      committeeSecret: first.committeeSecret,
    });
    second.client.committee = {
      ...committeeState(items, 'item-aaaaaaaa'),
      recording: { on: true, since: 1, recordingId },
    };
    await second.recorder.resume();
    const stored = first.server.recordings.get(recordingId)!;
    expect([...stored.chunks.keys()]).toEqual([0, 1]);
    expect(stored.finishedAt).not.toBeNull();
    const key = await deriveRecordingKey(first.committeeSecret, MEETING);
    const vtt = decode(
      await openCommittee(key, Uint8Array.from(stored.chapters!), chaptersContext(recordingId)),
    );
    expect(parseChaptersVtt(vtt)).toEqual([
      { startMs: 0, endMs: 2 * RECORDING_TIMESLICE_MS, title: '1. Ouverture' },
    ]);
    expect(await first.queue.count(recordingId)).toBe(0);
    expect(await first.queue.sessions(MEETING)).toEqual([]);
    expect(second.client.requests).toEqual([
      { name: 'setRecording', payload: { on: false, recordingId: null } },
    ]);
    expect(second.recorder.snapshot.uploaded).toBe(2);
  });

  it('close() stops a recording gracefully and refuses new ones', async () => {
    const { server, media, recorder } = setup();
    const recordingId = await recorder.start();
    media.deliver(encode('head'));
    recorder.close();
    recorder.close();
    await vi.waitFor(() => expect(server.recordings.get(recordingId)!.finishedAt).not.toBeNull());
    await expect(recorder.start()).rejects.toBeInstanceOf(RecorderError);
  });

  it('refuses a second start while recording', async () => {
    const { recorder } = setup();
    await recorder.start();
    await expect(recorder.start()).rejects.toBeInstanceOf(TypeError);
    await recorder.stop();
  });
});
