import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_RECORDING_CHUNK_BYTES,
  MAX_RECORDING_CHUNKS,
  createRecordingResponseSchema,
  errorBodySchema,
  recordingListResponseSchema,
  recordingSummarySchema,
} from '@confidentiel/protocol';
import { deriveCommitteeKey, newCommitteeSecret, openCommittee, sealCommittee } from '@confidentiel/e2ee';
import { startRecordingApp, type RecordingApp } from './support.ts';

/** What the browser would record; must never reach the server's disk. */
const MARKER = 'PLAINTEXT-MARKER-du-conseil';

let app: RecordingApp;
let meetingId: string;
let host: string;

beforeEach(async () => {
  app = await startRecordingApp();
  meetingId = await app.newMeeting();
  host = app.token(meetingId, 'host');
});

afterEach(async () => {
  await app.close();
});

async function create(token = host, meeting = meetingId): Promise<string> {
  const res = await app.call('POST', `/meetings/${meeting}/recordings`, { token });
  expect(res.status).toBe(201);
  const { recordingId, writeToken } = createRecordingResponseSchema.parse(await res.json());
  app.writers.set(recordingId, writeToken);
  return recordingId;
}

function putChunk(recordingId: string, index: number, body: Uint8Array, token = host): Promise<Response> {
  return app.call('PUT', `/recordings/${recordingId}/chunks/${index}`, { token, body });
}

async function list(token = host): Promise<ReturnType<typeof recordingListResponseSchema.parse>> {
  const res = await app.call('GET', `/meetings/${meetingId}/recordings`, { token });
  expect(res.status).toBe(200);
  return recordingListResponseSchema.parse(await res.json());
}

async function refusal(res: Response): Promise<{ status: number; reason: string; body: string }> {
  const text = await res.text();
  return { status: res.status, reason: errorBodySchema.parse(JSON.parse(text)).reason, body: text };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('recording routes', () => {
  it('uploads, resumes, finishes, lists and downloads a sealed recording', async () => {
    const key = await deriveCommitteeKey(newCommitteeSecret(), meetingId, 'recording');
    const recordingId = await create();
    const plain = [0, 1, 2].map((i) => new TextEncoder().encode(`${MARKER} chunk ${i} ${'x'.repeat(1000)}`));
    const sealed = await Promise.all(plain.map((p, i) => sealCommittee(key, p, `${recordingId}:${i}`)));

    expect((await putChunk(recordingId, 0, sealed[0]!)).status).toBe(201);
    // The page reloaded before the answer came: the same chunk again is fine.
    const again = await putChunk(recordingId, 0, sealed[0]!);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ index: 0, size: sealed[0]!.length, sha256: sha256(sealed[0]!) });
    // Out of order is fine too (the queue retries whatever failed).
    expect((await putChunk(recordingId, 2, sealed[2]!)).status).toBe(201);
    expect((await putChunk(recordingId, 1, sealed[1]!)).status).toBe(201);

    const chapters = await sealCommittee(
      key,
      new TextEncoder().encode(`WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n${MARKER} point 1\n`),
      `${recordingId}:chapters`,
    );
    expect(
      (await app.call('PUT', `/recordings/${recordingId}/chapters`, { token: host, body: chapters })).status,
    ).toBe(201);

    const finished = await app.call('POST', `/recordings/${recordingId}/finish`, { token: host });
    expect(finished.status).toBe(200);
    const summary = recordingSummarySchema.parse(await finished.json());
    expect(summary.finishedAt).not.toBeNull();
    // Finishing twice keeps the first time.
    const twice = recordingSummarySchema.parse(
      await (await app.call('POST', `/recordings/${recordingId}/finish`, { token: host })).json(),
    );
    expect(twice.finishedAt).toBe(summary.finishedAt);

    // Any member of the meeting lists and downloads.
    const member = app.token(meetingId, 'observer');
    const { recordings } = await list(member);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({
      recordingId,
      meetingId,
      hasChapters: true,
      finishedAt: summary.finishedAt,
      chunks: sealed.map((s, index) => ({ index, size: s.length, sha256: sha256(s) })),
    });
    for (const [index, expected] of sealed.entries()) {
      const res = await app.call('GET', `/recordings/${recordingId}/chunks/${index}`, { token: member });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/octet-stream/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
      const opened = await openCommittee(key, bytes, `${recordingId}:${index}`);
      expect(new TextDecoder().decode(opened)).toBe(new TextDecoder().decode(plain[index]));
    }
    const vtt = await app.call('GET', `/recordings/${recordingId}/chapters`, { token: member });
    expect(vtt.status).toBe(200);
    expect(Buffer.from(await vtt.arrayBuffer()).equals(Buffer.from(chapters))).toBe(true);
  });

  it('stores exactly the sealed bytes, 0600, and never the plaintext', async () => {
    const key = await deriveCommitteeKey(newCommitteeSecret(), meetingId, 'recording');
    const recordingId = await create();
    const sealed: Uint8Array[] = [];
    for (let index = 0; index < 4; index++) {
      const piece = await sealCommittee(
        key,
        new TextEncoder().encode(`${MARKER} ${index}`),
        `${recordingId}:${index}`,
      );
      sealed.push(piece);
      expect((await putChunk(recordingId, index, piece)).status).toBe(201);
    }
    const chapters = await sealCommittee(
      key,
      new TextEncoder().encode(`WEBVTT\n\n${MARKER}`),
      `${recordingId}:chapters`,
    );
    await app.call('PUT', `/recordings/${recordingId}/chapters`, { token: host, body: chapters });

    const files = await app.storedFiles();
    expect(files.map((f) => f.path.slice(app.recordingsDirectory.length)).sort()).toEqual(
      [
        `/${recordingId}/0.bin`,
        `/${recordingId}/1.bin`,
        `/${recordingId}/2.bin`,
        `/${recordingId}/3.bin`,
        `/${recordingId}/chapters.bin`,
      ].sort(),
    );
    for (const file of files) {
      expect(file.mode).toBe(0o600);
      expect(file.bytes.includes(Buffer.from(MARKER))).toBe(false);
      const index = /\/(\d+)\.bin$/.exec(file.path)?.[1];
      const expected = index === undefined ? chapters : sealed[Number(index)]!;
      expect(file.bytes.equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('refuses other bytes at a stored index with 409 conflict and keeps the first', async () => {
    const recordingId = await create();
    const first = randomBytes(64);
    expect((await putChunk(recordingId, 5, first)).status).toBe(201);
    const other = await refusal(await putChunk(recordingId, 5, randomBytes(64)));
    expect(other).toMatchObject({ status: 409, reason: 'conflict' });
    const stored = await app.call('GET', `/recordings/${recordingId}/chunks/5`, { token: host });
    expect(Buffer.from(await stored.arrayBuffer()).equals(first)).toBe(true);
  });

  it('refuses a new chunk after finish, but accepts a retried one', async () => {
    const recordingId = await create();
    const chunk = randomBytes(32);
    await putChunk(recordingId, 0, chunk);
    await app.call('POST', `/recordings/${recordingId}/finish`, { token: host });
    expect((await putChunk(recordingId, 0, chunk)).status).toBe(200);
    expect(await refusal(await putChunk(recordingId, 1, randomBytes(32)))).toMatchObject({
      status: 409,
      reason: 'conflict',
    });
  });

  it('answers 413 too-large for a chunk over the limit, before storing anything', async () => {
    const recordingId = await create();
    const res = await putChunk(recordingId, 0, new Uint8Array(MAX_RECORDING_CHUNK_BYTES + 1));
    expect(await refusal(res)).toMatchObject({ status: 413, reason: 'too-large' });
    expect((await list()).recordings[0]!.chunks).toEqual([]);
    // The limit itself is accepted.
    expect((await putChunk(recordingId, 0, new Uint8Array(MAX_RECORDING_CHUNK_BYTES))).status).toBe(201);
  });

  it('refuses a chunk index out of range, an empty body and another content type', async () => {
    const recordingId = await create();
    for (const index of [String(MAX_RECORDING_CHUNKS), '-1', '01', '1.5', 'abc']) {
      const res = await app.call('PUT', `/recordings/${recordingId}/chunks/${index}`, {
        token: host,
        body: randomBytes(8),
      });
      expect(await refusal(res)).toMatchObject({ status: 400, reason: 'invalid-payload' });
    }
    expect(await refusal(await putChunk(recordingId, 0, new Uint8Array(0)))).toMatchObject({
      status: 400,
      reason: 'invalid-payload',
    });
    const json = await app.call('PUT', `/recordings/${recordingId}/chunks/0`, {
      token: host,
      body: new TextEncoder().encode('{}'),
      contentType: 'application/json',
    });
    expect(await refusal(json)).toMatchObject({ status: 400, reason: 'invalid-payload' });
    expect((await putChunk(recordingId, MAX_RECORDING_CHUNKS - 1, randomBytes(8))).status).toBe(201);
  });
});

describe('who may record and read', () => {
  it('lets a participant read but not create, upload or finish (403 forbidden)', async () => {
    const participant = app.token(meetingId, 'participant');
    expect(
      await refusal(await app.call('POST', `/meetings/${meetingId}/recordings`, { token: participant })),
    ).toMatchObject({ status: 403, reason: 'forbidden' });
    const recordingId = await create();
    expect(await refusal(await putChunk(recordingId, 0, randomBytes(16), participant))).toMatchObject({
      status: 403,
      reason: 'forbidden',
    });
    expect(
      await refusal(
        await app.call('PUT', `/recordings/${recordingId}/chapters`, {
          token: participant,
          body: randomBytes(40),
        }),
      ),
    ).toMatchObject({ status: 403, reason: 'forbidden' });
    expect(
      await refusal(await app.call('POST', `/recordings/${recordingId}/finish`, { token: participant })),
    ).toMatchObject({ status: 403, reason: 'forbidden' });
    expect((await list(participant)).recordings).toHaveLength(1);
  });

  it('follows a role changed since the token was issued', async () => {
    const recordingId = await create();
    const coHost = app.token(meetingId, 'co-host');
    const [, payload] = coHost.split('.');
    const { sub } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { sub: string };
    app.roleOverrides.set(sub, 'participant');
    expect(await refusal(await putChunk(recordingId, 0, randomBytes(16), coHost))).toMatchObject({
      status: 403,
      reason: 'forbidden',
    });
    const participant = app.token(meetingId, 'participant');
    const promoted = JSON.parse(Buffer.from(participant.split('.')[1]!, 'base64url').toString()) as {
      sub: string;
    };
    app.roleOverrides.set(promoted.sub, 'co-host');
    expect((await putChunk(recordingId, 0, randomBytes(16), participant)).status).toBe(201);
  });

  it('lets a co-host record', async () => {
    const recordingId = await create(app.token(meetingId, 'co-host'));
    expect((await putChunk(recordingId, 0, randomBytes(16), app.token(meetingId, 'co-host'))).status).toBe(
      201,
    );
  });

  it('answers a token of another meeting exactly as an unknown recording (404)', async () => {
    const recordingId = await create();
    await putChunk(recordingId, 0, randomBytes(16));
    const otherMeeting = await app.newMeeting();
    const stranger = app.token(otherMeeting, 'host');
    const unknownId = randomBytes(16).toString('base64url');

    const paths: Array<[string, string, Uint8Array | undefined]> = [
      ['GET', 'chunks/0', undefined],
      ['GET', 'chapters', undefined],
      ['PUT', 'chunks/1', randomBytes(16)],
      ['PUT', 'chapters', randomBytes(40)],
      ['POST', 'finish', undefined],
    ];
    for (const [method, tail, body] of paths) {
      const theirs = await refusal(
        await app.call(method, `/recordings/${recordingId}/${tail}`, {
          token: stranger,
          ...(body ? { body } : {}),
        }),
      );
      const unknown = await refusal(
        await app.call(method, `/recordings/${unknownId}/${tail}`, {
          token: stranger,
          ...(body ? { body } : {}),
        }),
      );
      expect(theirs).toMatchObject({ status: 404, reason: 'not-found' });
      expect(theirs).toEqual(unknown);
    }
    // Nor can they list or create in the meeting of the recording.
    const listing = await refusal(
      await app.call('GET', `/meetings/${meetingId}/recordings`, { token: stranger }),
    );
    const creating = await refusal(
      await app.call('POST', `/meetings/${meetingId}/recordings`, { token: stranger }),
    );
    expect(listing).toMatchObject({ status: 404, reason: 'room-not-found' });
    expect(creating).toEqual(listing);
    expect((await list()).recordings[0]!.chunks).toHaveLength(1);
  });

  it('refuses to record a meeting that does not exist, even with a valid token for it', async () => {
    const ghost = randomBytes(16).toString('base64url');
    const res = await app.call('POST', `/meetings/${ghost}/recordings`, { token: app.token(ghost, 'host') });
    expect(await refusal(res)).toMatchObject({ status: 404, reason: 'room-not-found' });
  });

  it('refuses a missing, malformed, foreign or revoked token with 401', async () => {
    const recordingId = await create();
    const foreign = (await import('@confidentiel/tokens')).TokenService;
    const { KeyRing } = await import('@confidentiel/tokens');
    const otherIssuer = new foreign({ keys: KeyRing.generate(), issuer: 'recordings-test' });
    const forged = otherIssuer.issue({
      audience: 'room',
      typ: 'room',
      subject: 'member-0000001',
      ttlSeconds: 60,
      claims: { room: meetingId, name: 'X', role: 'host', lobby: false },
    }).token;
    const wrongAudience = app.tokens.issue({
      audience: 'organiser',
      typ: 'room',
      subject: 'member-0000001',
      ttlSeconds: 60,
      claims: { room: meetingId, name: 'X', role: 'host', lobby: false },
    }).token;
    for (const token of [undefined, '', 'not-a-jwt', forged, wrongAudience]) {
      const res = await app.call('GET', `/recordings/${recordingId}/chunks/0`, { token });
      expect(await refusal(res)).toMatchObject({ status: 401, reason: 'unauthorized' });
    }
    const removed = app.token(meetingId, 'host');
    const [, payload] = removed.split('.');
    const { jti } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { jti: string };
    await app.revocations.revoke('jti', jti, Date.now() + 60_000);
    expect(
      await refusal(await app.call('POST', `/meetings/${meetingId}/recordings`, { token: removed })),
    ).toMatchObject({
      status: 401,
      reason: 'removed',
    });
  });

  it('never logs a token', async () => {
    const recordingId = await create();
    await putChunk(recordingId, 0, randomBytes(16));
    await app.call('POST', `/recordings/${recordingId}/finish`, { token: host });
    await app.call('GET', `/recordings/${recordingId}/chunks/0`, { token: 'garbage.token.value' });
    expect(app.logs.length).toBeGreaterThan(0);
    const all = app.logs.join('\n');
    expect(all).not.toContain(host);
    expect(all).not.toContain(host.split('.')[2]!);
    expect(all).not.toContain('garbage.token.value');
    expect(all).not.toContain('127.0.0.1');
  });
});
