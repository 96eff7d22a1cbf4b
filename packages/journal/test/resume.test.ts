// Continuing a journal file after its writer died: one chain, no gap, no fork.
import { execFile, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FileJournalSink,
  JournalError,
  JournalLock,
  JournalSigner,
  JournalWriter,
  generateKeyFiles,
  loadSigningKey,
  publicKeyMap,
  verifyJournal,
  type JournalEntry,
} from '../src/index.ts';
import { steppingClock } from './support/journals.ts';

const SESSION = 'conseil-2026-11-23';
const INDEX = pathToFileURL(resolve(import.meta.dirname, '../src/index.ts')).href;
const CLI = resolve(import.meta.dirname, '../src/cli/verify-journal.ts');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'journal-resume-'));
  dirs.push(dir);
  return dir;
}

function entriesOf(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** Writes `count` entries to a new file and leaves the writer open, as a process that then dies. */
async function writeAndAbandon(path: string, signer: JournalSigner, count: number, fence?: number) {
  const sink = await FileJournalSink.create(path, fence === undefined ? {} : { lock: { fence } });
  const writer = new JournalWriter({ sessionId: SESSION, sink, signer, now: steppingClock() });
  for (let i = 0; i < count; i++) {
    await writer.append('before', { i });
  }
  return { sink, writer };
}

async function resumeWriter(path: string, signer: JournalSigner, fence?: number) {
  const resumed = await FileJournalSink.resume(path, {
    publicKeys: publicKeyMap([signer.publicKey]),
    sessionId: SESSION,
    ...(fence === undefined ? {} : { lock: { fence } }),
  });
  const writer = new JournalWriter({
    sessionId: SESSION,
    sink: resumed.sink,
    signer,
    now: steppingClock(Date.UTC(2026, 10, 23, 10)),
    last: resumed.last,
  });
  return { ...resumed, writer };
}

async function expectOneChain(path: string, signer: JournalSigner, count: number): Promise<void> {
  const text = await readFile(path, 'utf8');
  const report = await verifyJournal(text, { publicKeys: publicKeyMap([signer.publicKey]) });
  expect(report.failure).toBeUndefined();
  expect(report).toMatchObject({ ok: true, lines: count, verified: count, sessionId: SESSION });
  expect(entriesOf(text).map((entry) => entry.seq)).toEqual([...Array(count).keys()]);
}

describe('resuming a journal file', () => {
  it('continues the chain of a writer killed with SIGKILL, and the clerk’s tool verifies it whole', async () => {
    const dir = await tempDir();
    const keyPath = join(dir, 'journal.key');
    const publicPath = join(dir, 'journal.pub');
    await generateKeyFiles(keyPath, publicPath);
    const path = join(dir, 'session.jsonl');
    // The first owner: a real process, killed once its five entries are fsynced.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const j = await import(process.argv[1]);
         const sink = await j.FileJournalSink.create(process.argv[3]);
         const writer = new j.JournalWriter({
           sessionId: '${SESSION}', sink, signer: new j.JournalSigner(await j.loadSigningKey(process.argv[2])),
         });
         for (let i = 0; i < 5; i++) await writer.append('before', { i });
         process.stdout.write('written\\n');
         setInterval(() => {}, 1000);`,
        INDEX,
        keyPath,
        path,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (data: Buffer) => data.toString().includes('written') && done());
      child.once('exit', (code) => fail(new Error(`the writer exited early (${code})`)));
    });
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
    // It died in the middle of its sixth line.
    const sixth = `{"at":1,"data":{"i":5},"hash":"${'a'.repeat(64)}","keyId":"`;
    await appendFile(path, sixth);

    const signer = new JournalSigner(await loadSigningKey(keyPath));
    const { writer, last, trimmedBytes } = await resumeWriter(path, signer);
    expect(last).toMatchObject({ seq: 4, type: 'before', sessionId: SESSION, keyId: signer.keyId });
    expect(trimmedBytes).toBe(Buffer.byteLength(sixth));
    for (let i = 0; i < 3; i++) {
      expect((await writer.append('after', { i })).seq).toBe(5 + i);
    }
    await writer.close();
    await expectOneChain(path, signer, 8);
    const entries = entriesOf(await readFile(path, 'utf8'));
    expect(entries[5]!.prev).toBe(entries[4]!.hash);

    const cli = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, [CLI, path, '--public-key', publicPath], (error, stdout) => {
        done({ code: error === null ? 0 : Number(error.code), stdout });
      });
    });
    expect(cli.code, cli.stdout).toBe(0);
  });

  it('cuts away a last line without its newline, even one holding a whole entry', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const { sink } = await writeAndAbandon(path, signer, 4);
    await sink.close();
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    // The fourth entry's bytes reached the disk, its newline did not: it was never reported written.
    await writeFile(path, `${lines.slice(0, 3).join('\n')}\n${lines[3]}`);
    const { writer, last, trimmedBytes } = await resumeWriter(path, signer);
    expect(last?.seq).toBe(2);
    expect(trimmedBytes).toBe(Buffer.byteLength(lines[3]!));
    expect((await writer.append('after')).seq).toBe(3);
    await writer.close();
    await expectOneChain(path, signer, 4);
  });

  it('cuts away the zeros a filesystem leaves after a crash', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const { sink } = await writeAndAbandon(path, signer, 3);
    await sink.close();
    await appendFile(path, Buffer.alloc(300));
    const { writer, trimmedBytes } = await resumeWriter(path, signer);
    expect(trimmedBytes).toBe(300);
    await writer.append('after');
    await writer.close();
    await expectOneChain(path, signer, 4);
  });

  it('starts at seq 0 when the first write never finished', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    await writeFile(path, '{"at":17');
    const { writer, last, trimmedBytes } = await resumeWriter(path, signer);
    expect(last).toBeUndefined();
    expect(trimmedBytes).toBe(8);
    await writer.append('first');
    await writer.close();
    await expectOneChain(path, signer, 1);
  });

  it('refuses a journal with a tampered line and leaves the file as it was', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const { sink } = await writeAndAbandon(path, signer, 5);
    await sink.close();
    const honest = await readFile(path, 'utf8');
    const tampered = `${honest.replace('"data":{"i":2}', '"data":{"i":9}')}{"at":`;
    await writeFile(path, tampered);
    const refusal = await FileJournalSink.resume(path, {
      publicKeys: publicKeyMap([signer.publicKey]),
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(JournalError);
    expect((refusal as JournalError).reason).toBe('unverifiable');
    expect((refusal as JournalError).message).toContain('line 3 (hash-mismatch)');
    // Not cut back to the last good entry, not even the torn tail: the evidence stays as found.
    expect(await readFile(path, 'utf8')).toBe(tampered);
  });

  it('refuses another session’s journal, and one signed with a key it was not given', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const { sink } = await writeAndAbandon(path, signer, 2);
    await sink.close();
    const keys = publicKeyMap([signer.publicKey]);
    await expect(
      FileJournalSink.resume(path, { publicKeys: keys, sessionId: 'other' }),
    ).rejects.toMatchObject({
      reason: 'unverifiable',
    });
    const stranger = publicKeyMap([JournalSigner.generate().publicKey]);
    await expect(FileJournalSink.resume(path, { publicKeys: stranger })).rejects.toMatchObject({
      reason: 'unverifiable',
      message: expect.stringContaining('unknown-key'),
    });
    expect(
      () =>
        new JournalWriter({
          sessionId: 'other',
          sink,
          signer,
          last: { seq: 1, hash: 'a'.repeat(64), type: 'x', sessionId: SESSION },
        }),
    ).toThrow(TypeError);
  });

  it('lets one of two writers resuming the same file at once continue it, never both', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    await writeAndAbandon(path, signer, 3, 1);
    // Same fence: a bug in the owner, still no fork. Either resume is refused, or the write after it.
    const outcomes = await Promise.allSettled([resumeWriter(path, signer, 2), resumeWriter(path, signer, 2)]);
    const refusals = outcomes.flatMap((o): unknown[] => (o.status === 'rejected' ? [o.reason] : []));
    const resumed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const writes = await Promise.allSettled(resumed.map((r, i) => r.writer.append('after', { writer: i })));
    refusals.push(...writes.flatMap((w): unknown[] => (w.status === 'rejected' ? [w.reason] : [])));
    expect(writes.filter((w) => w.status === 'fulfilled')).toHaveLength(1);
    expect(refusals).toHaveLength(1);
    const [refusal] = refusals;
    const cause =
      refusal instanceof JournalError && refusal.reason === 'sink-failed' ? refusal.cause : refusal;
    expect(cause).toMatchObject({ reason: 'locked' });
    await Promise.all(resumed.map((r) => r.writer.close()));
    await expectOneChain(path, signer, 4);
  });

  it('gives the file to the newest fence when two owners resume it at once', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    await writeAndAbandon(path, signer, 3, 1);
    const [older, newer] = await Promise.allSettled([
      resumeWriter(path, signer, 2),
      resumeWriter(path, signer, 3),
    ]);
    expect(newer.status).toBe('fulfilled');
    const winner = (newer as PromiseFulfilledResult<Awaited<ReturnType<typeof resumeWriter>>>).value;
    if (older.status === 'fulfilled') {
      // It read the lock before the newer owner settled it: refused at its first write.
      await expect(older.value.writer.append('late')).rejects.toMatchObject({ cause: { reason: 'locked' } });
      await older.value.writer.close();
    } else {
      expect(older.reason).toMatchObject({ reason: 'locked' });
    }
    await winner.writer.append('after');
    await winner.writer.close();
    await expectOneChain(path, signer, 4);
  });

  it('refuses the next write of the owner it replaced, and an older owner’s resume', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const stale = await writeAndAbandon(path, signer, 3, 1);
    const owner = await resumeWriter(path, signer, 2);
    const before = await readFile(path, 'utf8');
    // The first owner was only paused: it wakes up and tries to go on.
    await expect(stale.writer.append('late')).rejects.toMatchObject({
      reason: 'sink-failed',
      cause: { reason: 'locked' },
    });
    expect(await readFile(path, 'utf8')).toBe(before);
    await stale.writer.close();
    await expect(resumeWriter(path, signer, 1)).rejects.toMatchObject({ reason: 'locked' });
    await expect(resumeWriter(path, signer)).rejects.toMatchObject({ reason: 'locked' });

    await owner.writer.append('after');
    await owner.writer.close();
    await expectOneChain(path, signer, 4);
    // The newer owner removed the marker of the one it replaced, and its own at close.
    expect(await JournalLock.fences(path)).toEqual([]);
  });

  it('without a lock, refuses to write after another writer appended to the file', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const first = await writeAndAbandon(path, signer, 2);
    const second = await resumeWriter(path, signer);
    await second.writer.append('after');
    await expect(first.writer.append('late')).rejects.toMatchObject({
      reason: 'sink-failed',
      cause: { reason: 'locked' },
    });
    await first.writer.close();
    await second.writer.close();
    await expectOneChain(path, signer, 3);
  });

  it('counts the entries since the last checkpoint, so the resumed writer anchors on time', async () => {
    const dir = await tempDir();
    const signer = JournalSigner.generate();
    const path = join(dir, 'session.jsonl');
    const authority = {
      url: 'http://tsa.test',
      stamp: () => Promise.reject(new Error('offline')),
    };
    const sink = await FileJournalSink.create(path);
    const writer = new JournalWriter({
      sessionId: SESSION,
      sink,
      signer,
      timeStamping: { authority, every: 3 },
    });
    for (let i = 0; i < 5; i++) {
      await writer.append('before', { i });
    }
    await sink.close();
    const resumed = await FileJournalSink.resume(path, { publicKeys: publicKeyMap([signer.publicKey]) });
    expect(resumed.last).toMatchObject({ seq: 5, sinceCheckpoint: 2 });
    const next = new JournalWriter({
      sessionId: SESSION,
      sink: resumed.sink,
      signer,
      timeStamping: { authority, every: 3 },
      last: resumed.last,
    });
    await next.append('after');
    await next.close();
    const types = entriesOf(await readFile(path, 'utf8')).map((entry) => entry.type);
    expect(types).toEqual([
      'before',
      'before',
      'before',
      'timestamp',
      'before',
      'before',
      'after',
      'timestamp',
    ]);
    await expectOneChain(path, signer, 8);
  });
});
