/**
 * Retention against the real stores, on a clock the test moves: recordings in a real SQLite index
 * and real files, journals as the real signed files. Nothing goes the day before it expires, it
 * goes the day after; an unfinished recording, an open journal, a journal of a meeting under way
 * and a journal still within its retention never go.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalLock, JournalSigner } from '@confidentiel/journal';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JournalService } from '../../src/committee/JournalService.ts';
import { RecordingStore } from '../../src/recordings/RecordingStore.ts';
import { SqliteRecordingIndex } from '../../src/recordings/SqliteRecordingIndex.ts';
import { DAY_MS } from '../../src/retention/RetentionSweep.ts';
import { Database } from '../../src/storage/Database.ts';
import { captureLogger } from '../support/harness.ts';
import { postgresEngine } from '../support/storeEngines.ts';

const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const HOUR = 60 * 60_000;
const RETENTION = 30 * DAY_MS;
const M1 = 'meetingAAAAAAAAAAAAAAA';
const M2 = 'meetingBBBBBBBBBBBBBBB';
const M3 = 'meetingCCCCCCCCCCCCCCC';
const M4 = 'meetingDDDDDDDDDDDDDDD';

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'retention-'));
  dirs.push(dir);
  return dir;
}

function clock(start: number): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (to) => (t = to) };
}

describe('recordings past their retention', () => {
  it('go the day after they expire, files and index rows; never the day before, never an unfinished one', async () => {
    const dir = await tempDir();
    const database = new Database(join(dir, 'confidentiel.sqlite'));
    cleanups.push(() => database.close());
    const index = new SqliteRecordingIndex(database);
    const time = clock(T0);
    const store = new RecordingStore({ index, directory: join(dir, 'recordings'), now: time.now });

    const finished = (await store.create(M1)).recording.recordingId;
    await store.putChunk(finished, 0, new Uint8Array([1, 2, 3]));
    await store.putChapters(finished, new Uint8Array([4, 5]));
    time.set(T0 + HOUR);
    await store.finish(finished);
    // Started as long ago, never finished: its browser may still be writing.
    const unfinished = (await store.create(M2)).recording.recordingId;
    await store.putChunk(unfinished, 0, new Uint8Array([9]));
    const recent = (await store.create(M3)).recording.recordingId;
    time.set(T0 + 10 * DAY_MS);
    await store.finish(recent);

    // The day before expiry (30 days after it finished): kept.
    const dayBefore = T0 + HOUR + RETENTION - DAY_MS;
    expect(await store.deleteFinishedBefore(dayBefore - RETENTION, 100)).toBe(0);
    expect(await store.get(finished)).toBeDefined();

    // The day after: gone, its files and its chunks' rows with it.
    const dayAfter = T0 + HOUR + RETENTION + DAY_MS;
    expect(await store.deleteFinishedBefore(dayAfter - RETENTION, 100)).toBe(1);
    expect(await store.get(finished)).toBeUndefined();
    expect(await index.chunks(finished)).toEqual([]);
    expect(existsSync(join(dir, 'recordings', finished))).toBe(false);
    expect(await store.readChunk(finished, 0)).toBeUndefined();
    // The others stay, bytes included.
    expect((await store.readChunk(unfinished, 0))?.length).toBe(1);
    expect(await store.get(recent)).toMatchObject({ finishedAt: T0 + 10 * DAY_MS });

    // Again: nothing left to delete (idempotent).
    expect(await store.deleteFinishedBefore(dayAfter - RETENTION, 100)).toBe(0);
    // Years later the unfinished one is still there; the recent one goes in its turn.
    expect(await store.deleteFinishedBefore(T0 + 3_650 * DAY_MS, 100)).toBe(1);
    expect(await store.get(unfinished)).toBeDefined();
  });

  it('deletes at most the limit per call, oldest first', async () => {
    const dir = await tempDir();
    const database = new Database(join(dir, 'confidentiel.sqlite'));
    cleanups.push(() => database.close());
    const time = clock(T0);
    const store = new RecordingStore({ database, directory: join(dir, 'recordings'), now: time.now });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      time.set(T0 + i * HOUR);
      const id = (await store.create(M1)).recording.recordingId;
      await store.finish(id);
      ids.push(id);
    }
    expect(await store.deleteFinishedBefore(T0 + DAY_MS, 2)).toBe(2);
    expect((await store.list(M1)).map((r) => r.recordingId)).toEqual(ids.slice(2));
    expect(await store.deleteFinishedBefore(T0 + DAY_MS, 10)).toBe(3);
  });
});

describe('recordings past their retention, indexed in PostgreSQL', () => {
  const postgres = postgresEngine();
  afterAll(async () => {
    await postgres.stop();
  });

  it('go once, even when two nodes sweep at the same time; the unfinished one stays', async () => {
    const dir = await tempDir();
    const database = await postgres.newDatabase();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    const time = clock(T0);
    const directory = join(dir, 'recordings');
    const nodeA = new RecordingStore({ index: a.recordings, directory, now: time.now });
    const nodeB = new RecordingStore({ index: b.recordings, directory, now: time.now });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = (await nodeA.create(M1)).recording.recordingId;
      await nodeA.putChunk(id, 0, new Uint8Array([i]));
      await nodeA.finish(id);
      ids.push(id);
    }
    const unfinished = (await nodeA.create(M2)).recording.recordingId;
    const cutoff = T0 + DAY_MS;
    expect(await nodeA.deleteFinishedBefore(T0, 100)).toBe(0);
    const [byA, byB] = await Promise.all([
      nodeA.deleteFinishedBefore(cutoff, 100),
      nodeB.deleteFinishedBefore(cutoff, 100),
    ]);
    expect(byA + byB).toBe(4);
    expect(await nodeB.list(M1)).toEqual([]);
    expect(await b.recordings.chunks(ids[0]!)).toEqual([]);
    expect(await nodeB.get(unfinished)).toBeDefined();
    expect((await readdir(directory)).filter((name) => ids.includes(name))).toEqual([]);
  });
});

describe('session journals past their retention', () => {
  async function journalWorld() {
    const dir = join(await tempDir(), 'journals');
    const time = clock(T0);
    const { logger } = captureLogger('journals');
    const service = new JournalService({
      directory: dir,
      signer: JournalSigner.generate(),
      logger,
      now: time.now,
    });
    cleanups.push(() => service.close());
    /** A whole session of `meetingId` from `from` to `to`. */
    const session = async (meetingId: string, from: number, to: number): Promise<string> => {
      time.set(from);
      const journal = service.open(meetingId);
      await journal.append('member-joined', { name: 'Présidente' });
      time.set(to);
      await journal.append('meeting-ended', {});
      await journal.close();
      return journal.path;
    };
    return { dir, time, service, session };
  }

  const noMeetingUnderWay = (): Promise<boolean> => Promise.resolve(false);

  it('go the day after they expire, counted from the session close; one within its retention stays', async () => {
    const { service, session } = await journalWorld();
    const old = await session(M1, T0, T0 + 2 * HOUR);
    const newer = await session(M2, T0 + 20 * DAY_MS, T0 + 20 * DAY_MS + HOUR);
    const closedAt = T0 + 2 * HOUR;

    // The day before: 29 days after it closed (it opened more than 30 days before).
    const dayBefore = closedAt + RETENTION - DAY_MS;
    expect(await service.deleteClosedBefore(dayBefore - RETENTION, 500, noMeetingUnderWay)).toBe(0);
    expect(existsSync(old)).toBe(true);

    const dayAfter = closedAt + RETENTION + DAY_MS;
    expect(await service.deleteClosedBefore(dayAfter - RETENTION, 500, noMeetingUnderWay)).toBe(1);
    expect(existsSync(old)).toBe(false);
    // Within its retention (closed 19 days before): kept, and listed as before.
    expect(existsSync(newer)).toBe(true);
    expect((await service.list(M2)).map((j) => j.entries)).toEqual([2]);
    expect(await service.list(M1)).toEqual([]);
    expect(await service.deleteClosedBefore(dayAfter - RETENTION, 500, noMeetingUnderWay)).toBe(0);
  });

  it('never deletes a journal being written, one held by a writer elsewhere, or one of a meeting under way', async () => {
    const { dir, time, service, session } = await journalWorld();
    // Open here since T0: its last entry is old, but the session goes on.
    time.set(T0);
    const open = service.open(M1);
    await open.append('member-joined', { name: 'Présidente' });
    // Closed long ago, but another node holds the file (a takeover under way).
    const held = await session(M2, T0, T0 + HOUR);
    await writeFile(JournalLock.pathOf(held, 7), '{}\n');
    // Closed long ago, its meeting under way again (its session may be resumed).
    const underWay = await session(M3, T0, T0 + HOUR);
    const expired = await session(M4, T0, T0 + HOUR);

    const years = T0 + 3_650 * DAY_MS;
    const deleted = await service.deleteClosedBefore(years, 500, (meetingId) =>
      Promise.resolve(meetingId === M3),
    );
    expect(deleted).toBe(1);
    expect(existsSync(expired)).toBe(false);
    expect(existsSync(open.path)).toBe(true);
    expect(existsSync(held)).toBe(true);
    expect(existsSync(underWay)).toBe(true);
    // The emptied meeting's folder goes too; the others stay.
    expect((await readdir(dir)).sort()).toEqual([M1, M2, M3].sort());

    // Once closed, the open one expires like any other.
    time.set(T0 + 2 * HOUR);
    await open.close();
    expect(await service.deleteClosedBefore(years, 500, () => Promise.resolve(false))).toBe(2);
    expect(existsSync(open.path)).toBe(false);
    expect(existsSync(held)).toBe(true);
  });

  it('deletes at most the limit per call', async () => {
    const { service, session } = await journalWorld();
    for (let i = 0; i < 3; i++) {
      await session(M1, T0 + i * HOUR, T0 + i * HOUR + 1_000);
    }
    expect(await service.deleteClosedBefore(T0 + DAY_MS, 2, noMeetingUnderWay)).toBe(2);
    expect(await service.list(M1)).toHaveLength(1);
  });
});
