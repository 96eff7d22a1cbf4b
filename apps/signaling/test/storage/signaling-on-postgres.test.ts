import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSignalingConfig } from '../../src/config.ts';
import { startSignaling } from '../../src/startSignaling.ts';
import { createStores } from '../../src/storage/createStores.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgresServer.ts';

/** Signaling itself, started with DATABASE_URL (no SFU: these requests never reach it). */
describe('signaling with DATABASE_URL', () => {
  let server: PostgresServer;
  let dataDir: string;

  beforeAll(async () => {
    server = await startPostgresServer();
    dataDir = await mkdtemp(join(tmpdir(), 'signaling-pg-'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function config(databaseUrl: string): ReturnType<typeof loadSignalingConfig> {
    return loadSignalingConfig({
      PORT: '0',
      SFU_URL: 'http://127.0.0.1:9',
      SFU_CONTROL_SECRET: randomBytes(32).toString('hex'),
      ALLOW_OPEN_MEETINGS: 'true',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
    });
  }

  it('keeps its meetings in PostgreSQL, not in a SQLite file', async () => {
    const url = await server.createDatabase();
    const signaling = await startSignaling(config(url), { logger: pino({ level: 'silent' }) });
    let meetingId: string;
    try {
      const res = await fetch(`${signaling.url}/api/meetings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Standup' }),
      });
      expect(res.status).toBe(201);
      meetingId = ((await res.json()) as { meetingId: string }).meetingId;
    } finally {
      await signaling.close();
    }
    const stores = await createStores({ DATABASE_URL: url, databasePath: '' });
    try {
      expect(await stores.meetings.get(meetingId)).toMatchObject({ id: meetingId, title: 'Standup' });
    } finally {
      await stores.close();
    }
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.sqlite'))).toEqual([]);
  });

  it('refuses to start when PostgreSQL cannot be reached, naming it without the password', async () => {
    // Port 1: nothing listens there.
    const url = 'postgres://confidentiel:s3cret@127.0.0.1:1/nowhere';
    const error = await startSignaling(config(url), { logger: pino({ level: 'silent' }) }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(/cannot open the PostgreSQL database postgres:\/\/confidentiel:\*\*\*@/);
    expect(error?.message).not.toContain('s3cret');
  });
});
