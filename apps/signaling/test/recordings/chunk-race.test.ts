import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createRecordingResponseSchema } from '@confidentiel/protocol';
import { startRecordingApp, type RecordingApp } from './support.ts';

let app: RecordingApp;

beforeEach(async () => {
  app = await startRecordingApp();
});

afterEach(async () => {
  await app.close();
});

it('two simultaneous uploads of one index with different bytes: one wins, the file is the winner', async () => {
  const meetingId = await app.newMeeting();
  const host = app.token(meetingId, 'host');
  const created = await app.call('POST', `/meetings/${meetingId}/recordings`, { token: host });
  const { recordingId, writeToken } = createRecordingResponseSchema.parse(await created.json());
  app.writers.set(recordingId, writeToken);
  for (let round = 0; round < 10; round++) {
    const bodies = Array.from({ length: 4 }, () => randomBytes(4096));
    const answers = await Promise.all(
      bodies.map((body) =>
        app.call('PUT', `/recordings/${recordingId}/chunks/${round}`, { token: host, body }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    const winner = bodies[answers.findIndex((a) => a.status === 201)]!;
    const onDisk = await readFile(join(app.recordingsDirectory, recordingId, `${round}.bin`));
    expect(onDisk.equals(winner)).toBe(true);
    const summary = await app.store.get(recordingId);
    expect(summary?.chunks.find((c) => c.index === round)?.sha256).toBe(
      createHash('sha256').update(winner).digest('hex'),
    );
  }
});
