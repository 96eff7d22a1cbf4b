import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FileJournalSink,
  GENESIS_PREV,
  JournalError,
  JournalSigner,
  JournalWriter,
  MemoryJournalSink,
  TimeStampError,
  hashedBytes,
  sha256Hex,
  verifyEntrySignature,
  verifyJournal,
  type JournalEntry,
  type JournalSink,
  type TimeStampSource,
} from '../src/index.ts';
import { START, buildJournal, steppingClock } from './support/journals.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function writer(
  sink: JournalSink = new MemoryJournalSink(),
  extra: Partial<ConstructorParameters<typeof JournalWriter>[0]> = {},
) {
  const signer = JournalSigner.generate();
  return {
    signer,
    sink,
    writer: new JournalWriter({ sessionId: 's-1', sink, signer, now: steppingClock(), ...extra }),
  };
}

describe('JournalWriter', () => {
  it('chains, hashes and signs entries, and the verifier accepts the round trip', async () => {
    const built = await buildJournal(12);
    const { entries, signer } = built;
    expect(entries.map((entry) => entry.seq)).toEqual([...Array(12).keys()]);
    expect(entries[0]!.prev).toBe(GENESIS_PREV);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      expect(entry.hash).toBe(sha256Hex(hashedBytes(entry)));
      expect(verifyEntrySignature(signer.publicKey, entry.hash, entry.signature)).toBe(true);
      expect(entry.keyId).toBe(signer.keyId);
      expect(entry.at).toBe(START + i * 1000);
      if (i > 0) {
        expect(entry.prev).toBe(entries[i - 1]!.hash);
      }
    }
    expect(built.writer.head).toEqual({ seq: 11, hash: entries[11]!.hash, type: entries[11]!.type });
    const report = await verifyJournal(built.text, { publicKeys: built.keys });
    expect(report).toMatchObject({ ok: true, lines: 12, verified: 12, sessionId: 'bar-council-2026-11-23' });
    expect(report.keyIds).toEqual([signer.keyId]);
    expect(report.failure).toBeUndefined();
  });

  it('keeps seq order when appends are not awaited, and reads the clock at append time', async () => {
    let now = START;
    const { writer: w, sink } = writer(new MemoryJournalSink(), { now: () => now++ });
    const pending = Array.from({ length: 50 }, (_, i) => w.append('floor', { turn: i }));
    const written = await Promise.all(pending);
    expect(written.map((entry) => entry.data.turn)).toEqual([...Array(50).keys()]);
    expect((sink as MemoryJournalSink).entries.map((entry) => entry.at)).toEqual(
      Array.from({ length: 50 }, (_, i) => START + i),
    );
  });

  it('copies data at append time: changing the object afterwards does not change the entry', async () => {
    const { writer: w } = writer();
    const data = { member: 'alice', tags: ['a'] };
    const pending = w.append('join', data);
    data.member = 'mallory';
    data.tags.push('b');
    expect((await pending).data).toEqual({ member: 'alice', tags: ['a'] });
  });

  it('refuses the reserved checkpoint type, empty types and non-JSON data', async () => {
    const { writer: w } = writer();
    await expect(w.append('timestamp', {})).rejects.toThrow(TypeError);
    await expect(w.append('', {})).rejects.toThrow(TypeError);
    await expect(w.append('vote', [] as unknown as Record<string, unknown>)).rejects.toThrow(TypeError);
    await expect(w.append('vote', { when: new Date() })).rejects.toMatchObject({ reason: 'not-json' });
    await expect(w.append('vote', { n: Number.NaN })).rejects.toMatchObject({ reason: 'not-json' });
    expect(w.head).toBeUndefined();
  });

  it('close() is idempotent, closes the sink, and appends after it are refused', async () => {
    const sink = new MemoryJournalSink();
    const { writer: w } = writer(sink);
    await w.append('join', { member: 'a' });
    const first = w.close();
    expect(w.close()).toBe(first);
    await first;
    expect(w.closed).toBe(true);
    expect(sink.closed).toBe(true);
    await expect(w.append('join', {})).rejects.toMatchObject({ reason: 'closed' });
    expect(sink.entries).toHaveLength(1);
  });

  it('writes the pending appends before closing', async () => {
    const sink = new MemoryJournalSink();
    const { writer: w } = writer(sink);
    const pending = [w.append('a', {}), w.append('b', {})];
    await w.close();
    await Promise.all(pending);
    expect(sink.entries.map((entry) => entry.type)).toEqual(['a', 'b']);
  });

  it('stops at the first sink failure rather than leaving a gap in the chain', async () => {
    let fail = false;
    const written: JournalEntry[] = [];
    const sink: JournalSink = {
      write: (_line, entry) => {
        if (fail) {
          return Promise.reject(new Error('disk full'));
        }
        written.push(entry);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const { writer: w } = writer(sink);
    await w.append('a', {});
    fail = true;
    await expect(w.append('b', {})).rejects.toMatchObject({ reason: 'sink-failed' });
    fail = false;
    const later = await w.append('c', {}).catch((error: unknown) => error);
    expect(later).toBeInstanceOf(JournalError);
    expect((later as JournalError).reason).toBe('closed');
    expect(written.map((entry) => entry.type)).toEqual(['a']);
    expect(w.head?.seq).toBe(0);
  });

  it('records a time-stamping failure in the checkpoint and goes on', async () => {
    let calls = 0;
    const authority: TimeStampSource = {
      url: 'http://tsa.invalid/',
      stamp: () => {
        calls++;
        return Promise.reject(new TimeStampError('unreachable', 'connection refused'));
      },
    };
    const failures: TimeStampError[] = [];
    const sink = new MemoryJournalSink();
    const { writer: w, signer } = writer(sink, { timeStamping: { authority, every: 2 } });
    w.on('timestamp-failed', (error) => failures.push(error));
    for (let i = 0; i < 5; i++) {
      await w.append('vote', { i });
    }
    await w.close();
    expect(sink.entries.map((entry) => entry.type)).toEqual([
      'vote',
      'vote',
      'timestamp',
      'vote',
      'vote',
      'timestamp',
      'vote',
      'timestamp',
    ]);
    expect(calls).toBe(3);
    expect(failures.map((error) => error.reason)).toEqual(['unreachable', 'unreachable', 'unreachable']);
    expect(sink.entries[2]!.data).toEqual({
      anchor: { seq: 1, hash: sink.entries[1]!.hash },
      authority: 'http://tsa.invalid/',
      failure: { reason: 'unreachable', message: 'connection refused' },
    });
    const report = await verifyJournal(sink.text(), {
      publicKeys: new Map([[signer.keyId, signer.publicKey]]),
    });
    expect(report.ok).toBe(true);
    expect(report.timestamps.map((stamp) => [stamp.anchoredSeq, stamp.status])).toEqual([
      [1, 'not-obtained'],
      [4, 'not-obtained'],
      [6, 'not-obtained'],
    ]);
    expect(report.unanchored).toBe(5);
  });

  it('does not add a closing checkpoint when the head is already one', async () => {
    const authority: TimeStampSource = {
      url: 'http://tsa.invalid/',
      stamp: () => Promise.reject(new TimeStampError('http-error', 'HTTP 503')),
    };
    const sink = new MemoryJournalSink();
    const { writer: w } = writer(sink, { timeStamping: { authority, every: 2 } });
    await w.append('a', {});
    await w.append('b', {});
    await w.close();
    expect(sink.entries.map((entry) => entry.type)).toEqual(['a', 'b', 'timestamp']);
  });
});

describe('FileJournalSink', () => {
  it('writes one canonical JSON line per entry, readable by the verifier', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-file-'));
    dirs.push(dir);
    const path = join(dir, 'session.jsonl');
    const sink = await FileJournalSink.create(path);
    const { writer: w, signer } = writer(sink);
    await w.append('join', { member: 'élodie' });
    await w.append('vote', { for: 3, against: 0 });
    await w.close();
    expect(sink.closed).toBe(true);
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 0, type: 'join', data: { member: 'élodie' } });
    const report = await verifyJournal(text, { publicKeys: new Map([[signer.keyId, signer.publicKey]]) });
    expect(report.ok).toBe(true);
  });

  it('refuses to reuse an existing file (a second writer would restart at seq 0)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-file-'));
    dirs.push(dir);
    const path = join(dir, 'session.jsonl');
    await writeFile(path, 'existing\n');
    await expect(FileJournalSink.create(path)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('existing\n');
  });

  it('refuses writes after close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-file-'));
    dirs.push(dir);
    const sink = await FileJournalSink.create(join(dir, 'j.jsonl'));
    await sink.close();
    await sink.close();
    const { writer: w } = writer(sink);
    await expect(w.append('a', {})).rejects.toMatchObject({ reason: 'sink-failed' });
  });
});
