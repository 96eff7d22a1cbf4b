/**
 * The clerk's record on the organiser's meeting page, against a real
 * signaling server: the meeting's recordings for its owner (listed, read,
 * archived as stored), nobody else's; and what the journal list says of
 * signatures and time-stamps when no authority is configured.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecordingResponseSchema,
  journalListResponseSchema,
  recordingListResponseSchema,
} from '@confidentiel/protocol';
import { CHECKPOINT_TYPE, keyIdOf, publicKeyFromPem } from '@confidentiel/journal';
import { ORIGIN, waitFor } from '../support/harness.ts';
import { parseJournal, startCommitteeHarness, type CommitteeHarness, type Person } from './support.ts';

const run = promisify(execFile);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe("the organiser's record of a meeting", () => {
  let h: CommitteeHarness;
  let meetingId: string;
  let recordingId: string;
  let chair: Person;
  const chunks = [randomBytes(1500), randomBytes(700), randomBytes(2048)];
  const chapters = randomBytes(300);
  let notFound: unknown;

  /** A chunk or the chapters, uploaded as the chair's browser does (room token, write token). */
  async function upload(path: string, body: Uint8Array, writeToken: string): Promise<void> {
    const res = await fetch(`${h.baseUrl}/api${path}`, {
      method: 'PUT',
      headers: {
        origin: ORIGIN,
        authorization: `Bearer ${chair.token.token}`,
        'x-recording-writer': writeToken,
        'content-type': 'application/octet-stream',
      },
      body,
    });
    expect(res.status, path).toBe(201);
  }

  beforeAll(async () => {
    h = await startCommitteeHarness();
    meetingId = await h.createMeeting();
    notFound = await (await h.api('GET', `/organiser/meetings/${'A'.repeat(22)}/recordings`)).json();
    chair = await h.arrive(meetingId, 'host', 'Maître Martin');
    const created = await h.api('POST', `/meetings/${meetingId}/recordings`, {
      as: { bearer: chair.token.token },
    });
    expect(created.status).toBe(201);
    const { recordingId: id, writeToken } = createRecordingResponseSchema.parse(await created.json());
    recordingId = id;
    for (const [index, bytes] of chunks.entries()) {
      await upload(`/recordings/${recordingId}/chunks/${index}`, bytes, writeToken);
    }
    await upload(`/recordings/${recordingId}/chapters`, chapters, writeToken);
    const finished = await fetch(`${h.baseUrl}/api/recordings/${recordingId}/finish`, {
      method: 'POST',
      headers: {
        origin: ORIGIN,
        authorization: `Bearer ${chair.token.token}`,
        'x-recording-writer': writeToken,
      },
    });
    expect(finished.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  const recordingsPath = (id = meetingId): string => `/organiser/meetings/${id}/recordings`;

  it('lists the meeting’s recordings for its organiser, and gives back each sealed piece as stored', async () => {
    const res = await h.api('GET', recordingsPath());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { recordings } = recordingListResponseSchema.parse(await res.json());
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({
      recordingId,
      meetingId,
      hasChapters: true,
      chunks: chunks.map((bytes, index) => ({ index, size: bytes.length, sha256: sha256(bytes) })),
    });
    expect(recordings[0]!.finishedAt).not.toBeNull();

    for (const [index, bytes] of chunks.entries()) {
      const chunk = await h.api('GET', `${recordingsPath()}/${recordingId}/chunks/${index}`);
      expect(chunk.status).toBe(200);
      expect(chunk.headers.get('content-type')).toMatch(/^application\/octet-stream/);
      expect(Buffer.from(await chunk.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const vtt = await h.api('GET', `${recordingsPath()}/${recordingId}/chapters`);
    expect(vtt.status).toBe(200);
    expect(Buffer.from(await vtt.arrayBuffer()).equals(chapters)).toBe(true);
    // A chunk that is not there, and a bad index.
    expect((await h.api('GET', `${recordingsPath()}/${recordingId}/chunks/3`)).status).toBe(404);
    expect((await h.api('GET', `${recordingsPath()}/${recordingId}/chunks/-1`)).status).toBe(400);
  });

  it('archives the sealed files as stored, in a tar that any tar tool extracts, with their digests', async () => {
    const res = await h.api('GET', `${recordingsPath()}/${recordingId}/archive`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-tar/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="enregistrement-.*\.sealed\.tar"$/,
    );
    const archive = Buffer.from(await res.arrayBuffer());
    expect(archive.length).toBe(Number(res.headers.get('content-length')));
    const dir = await mkdtemp(join(tmpdir(), 'sealed-archive-'));
    try {
      await writeFile(join(dir, 'a.tar'), archive);
      const { stdout } = await run('tar', ['-tf', join(dir, 'a.tar')]);
      expect(stdout.trim().split('\n')).toEqual([
        'manifest.json',
        'chunks/000000.bin',
        'chunks/000001.bin',
        'chunks/000002.bin',
        'chapters.bin',
      ]);
      await run('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      for (const [index, bytes] of chunks.entries()) {
        const file = await readFile(join(dir, 'chunks', `00000${index}.bin`));
        expect(file.equals(bytes), `chunk ${index}`).toBe(true);
      }
      expect((await readFile(join(dir, 'chapters.bin'))).equals(chapters)).toBe(true);
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
        format: string;
        recordingId: string;
        chunks: { file: string; sha256: string; size: number }[];
        chapters: { sha256: string };
        sealing: string;
      };
      expect(manifest.format).toBe('confidentiel-sealed-recording/1');
      expect(manifest.recordingId).toBe(recordingId);
      expect(manifest.chunks.map((c) => c.sha256)).toEqual(chunks.map(sha256));
      expect(manifest.chapters.sha256).toBe(sha256(chapters));
      expect(manifest.sealing).toContain('AES-256-GCM');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers another organiser exactly as for an unknown meeting, and nobody without a session', async () => {
    expect(notFound).toEqual({ reason: 'room-not-found', message: 'room not found' });
    const paths = [
      recordingsPath(),
      `${recordingsPath()}/${recordingId}/chunks/0`,
      `${recordingsPath()}/${recordingId}/chapters`,
      `${recordingsPath()}/${recordingId}/archive`,
    ];
    for (const path of paths) {
      const stranger = await h.api('GET', path, { as: h.stranger });
      expect(stranger.status, path).toBe(404);
      expect(await stranger.json()).toEqual(notFound);
      const anonymous = await h.api('GET', path, { as: null });
      expect(anonymous.status, path).toBe(401);
      // A member's room token is for the meeting's own routes, not the organiser's.
      const member = await h.api('GET', path, { as: { bearer: chair.token.token } });
      expect(member.status, path).toBe(401);
    }
    // The stranger's own meeting does not reach this recording either.
    const theirs = await h.createMeeting('committee', h.stranger);
    const crossed = await h.api('GET', `${recordingsPath(theirs)}/${recordingId}/chunks/0`, {
      as: h.stranger,
    });
    expect(crossed.status).toBe(404);
    expect(((await crossed.json()) as { reason: string }).reason).toBe('not-found');
    // An unknown recording of the owner's meeting.
    const unknown = await h.api('GET', `${recordingsPath()}/${'B'.repeat(22)}/chunks/0`);
    expect(unknown.status).toBe(404);
    // Positive control: the owner still reads it.
    expect((await h.api('GET', `${recordingsPath()}/${recordingId}/chunks/0`)).status).toBe(200);
  });

  it('says the journals are signed by the service key and, with no TSA_URL, time-stamped by nobody', async () => {
    chair.socket.close();
    const list = await waitFor(
      'the session journal to close',
      async () => {
        const res = await h.api('GET', `/organiser/meetings/${meetingId}/journals`);
        expect(res.status).toBe(200);
        const parsed = journalListResponseSchema.parse(await res.json());
        return parsed.journals[0]?.closed ? parsed : undefined;
      },
      20_000,
    );
    const keyId = keyIdOf(publicKeyFromPem(await h.publicKeyPem()));
    expect(list.service).toEqual({ keyId, timeStamping: null });
    const [journal] = list.journals;
    const text = await h.journalText(meetingId, journal!.sessionId);
    const entries = parseJournal(text);
    expect(journal!.entries).toBe(entries.length);
    expect(journal!.keyIds).toEqual([keyId]);
    expect(entries.some((e) => e.type === CHECKPOINT_TYPE)).toBe(false);
    expect(journal!.timeStamps).toEqual({ tokens: 0, failures: 0, anchoredEntries: 0, authorities: [] });
  });
});
