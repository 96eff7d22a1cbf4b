import { newCommitteeSecret, sealCommittee } from '@confidentiel/e2ee';
import { describe, expect, it } from 'vitest';
import { openRecording, RecordingDecryptError } from './openRecording.ts';
import { chaptersContext, chunkContext, deriveRecordingKey } from './recordingKey.ts';
import { FakeRecordingServer } from './testing/fakes.ts';
import { buildChaptersVtt } from './webvtt.ts';

const MEETING = 'MeetingIdMeetingIdMeet';
const encode = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

async function recorded(parts: string[], committeeSecret = newCommitteeSecret()) {
  const key = await deriveRecordingKey(committeeSecret, MEETING);
  const server = new FakeRecordingServer();
  const { recordingId, writeToken } = await server.create(MEETING);
  for (const [index, part] of parts.entries()) {
    await server.putChunk(
      recordingId,
      index,
      await sealCommittee(key, encode(part), chunkContext(recordingId, index)),
      writeToken,
    );
  }
  const vtt = buildChaptersVtt([{ startMs: 0, title: '1. Ouverture' }], 4_000);
  await server.putChapters(
    recordingId,
    await sealCommittee(key, encode(vtt), chaptersContext(recordingId)),
    writeToken,
  );
  const summary = (await server.list(MEETING))[0]!;
  return { key, server, recordingId, summary, vtt, committeeSecret };
}

describe('opening a recording', () => {
  it('downloads, decrypts and joins every chunk in order, with the chapters', async () => {
    const { key, server, summary, vtt } = await recorded(['<header>', 'second', 'third']);
    const progress: number[] = [];
    const opened = await openRecording({ server, key, summary, onProgress: (done) => progress.push(done) });
    expect(await opened.video.text()).toBe('<header>secondthird');
    expect(opened.video.type).toBe('video/webm');
    expect(opened.vtt).toBe(vtt);
    expect(opened.chapters).toEqual([{ startMs: 0, endMs: 4_000, title: '1. Ouverture' }]);
    expect(opened.missing).toEqual([]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('names the chunk that does not decrypt with this key', async () => {
    const { server, summary } = await recorded(['a', 'b']);
    const otherKey = await deriveRecordingKey(newCommitteeSecret(), MEETING);
    await expect(openRecording({ server, key: otherKey, summary })).rejects.toMatchObject({
      name: 'RecordingDecryptError',
      piece: 0,
    });
  });

  it('refuses chunks swapped on the server (each is bound to its index)', async () => {
    const { key, server, summary, recordingId } = await recorded(['a', 'b']);
    const stored = server.recordings.get(recordingId)!.chunks;
    const [zero, one] = [stored.get(0)!, stored.get(1)!];
    stored.set(0, one);
    stored.set(1, zero);
    const error: unknown = await openRecording({ server, key, summary }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingDecryptError);
    expect((error as RecordingDecryptError).piece).toBe(0);
  });

  it('refuses a chapters file that is not this recording’s', async () => {
    const { key, server, summary, recordingId } = await recorded(['a']);
    server.recordings.get(recordingId)!.chapters = await sealCommittee(
      key,
      encode('WEBVTT\n'),
      chunkContext(recordingId, 0),
    );
    await expect(openRecording({ server, key, summary })).rejects.toMatchObject({ piece: 'chapters' });
  });

  it('plays up to a missing chunk and says which', async () => {
    const { key, server, summary, recordingId } = await recorded(['a', 'b', 'c']);
    server.recordings.get(recordingId)!.chunks.delete(1);
    const opened = await openRecording({ server, key, summary: (await server.list(MEETING))[0]! });
    expect(await opened.video.text()).toBe('a');
    expect(opened.missing).toEqual([1]);
    expect(summary.chunks).toHaveLength(3);
  });
});
