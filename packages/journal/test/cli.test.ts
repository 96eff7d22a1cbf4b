// The clerk's tool, run as a child process exactly as documented.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileJournalSink,
  JournalSigner,
  JournalWriter,
  TimeStamper,
  generateKeyFiles,
  loadSigningKey,
} from '../src/index.ts';
import { EVENTS } from './support/journals.ts';
import { createCa, startTsa, type TestCa, type TestTsa } from './support/opensslTsa.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/verify-journal.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function verifyJournalCli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

let dir: string;
let tsa: TestTsa;
let otherCa: TestCa;
let journal: string;
let publicKey: string;
let tsaCert: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-cli-'));
  tsa = await startTsa();
  otherCa = await createCa(dir, 'other-ca', 'Other CA');
  const privatePath = join(dir, 'service.key');
  publicKey = join(dir, 'service-pub.pem');
  await generateKeyFiles(privatePath, publicKey);
  tsaCert = join(dir, 'tsa.pem');
  await writeFile(tsaCert, tsa.certPem);
  journal = join(dir, 'journal.jsonl');
  const writer = new JournalWriter({
    sessionId: 'bar-council-2026-11-23',
    sink: await FileJournalSink.create(journal),
    signer: new JournalSigner(await loadSigningKey(privatePath)),
    timeStamping: { authority: new TimeStamper({ url: tsa.url }), every: 4 },
  });
  for (const [type, data] of EVENTS) {
    await writer.append(type, data);
  }
  await writer.close();
});

afterAll(async () => {
  await tsa?.close();
  await rm(dir, { recursive: true, force: true });
});

async function tampered(name: string, edit: (lines: string[]) => void): Promise<string> {
  const lines = (await readFile(journal, 'utf8')).split('\n').slice(0, -1);
  const before = lines.join('\n');
  edit(lines);
  expect(lines.join('\n')).not.toBe(before);
  const path = join(dir, name);
  await writeFile(path, lines.map((line) => `${line}\n`).join(''));
  return path;
}

describe('verify-journal (CLI)', () => {
  it('exits 0 and reports the time-stamps of an intact journal', async () => {
    const run = await verifyJournalCli([journal, '--public-key', publicKey, '--tsa-cert', tsaCert]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Session: bar-council-2026-11-23');
    expect(run.stdout).toContain('Lines read: 13; entries verified: 13');
    expect(run.stdout).toMatch(/seq 4 anchors seq 3: \S+Z by O=Journal tests, CN=Test TSA \(trusted/);
    expect(run.stdout).toContain('Result: VERIFIED');
  });

  it('exits 1 naming line, seq and reason of a changed entry', async () => {
    const path = await tampered('changed.jsonl', (lines) => {
      lines[7] = lines[7]!.replace('"for":5', '"for":6');
    });
    const run = await verifyJournalCli([path, '--public-key', publicKey, '--tsa-cert', tsaCert]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Result: FAILED at line 8 (seq 7): hash-mismatch');
    expect(run.stdout).toContain('The 7 entries before this line verified.');
  });

  it('exits 1 naming a deleted entry as a broken chain', async () => {
    const path = await tampered('deleted.jsonl', (lines) => {
      lines.splice(2, 1);
    });
    const run = await verifyJournalCli([path, '--public-key', publicKey]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Result: FAILED at line 3 (seq 3): broken-chain');
  });

  it('exits 1 when the time-stamps do not chain to the TSA certificate given', async () => {
    const run = await verifyJournalCli([journal, '--public-key', publicKey, '--tsa-cert', otherCa.certPath]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Result: FAILED at line 5 (seq 4): timestamp-invalid (untrusted)');
  });

  it('exits 1 (unknown-key) with the wrong public key', async () => {
    const other = join(dir, 'other-pub.pem');
    await writeFile(other, JournalSigner.generate().publicKey.export({ type: 'spki', format: 'pem' }));
    const run = await verifyJournalCli([journal, '--public-key', other]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Result: FAILED at line 1 (seq 0): unknown-key');
  });

  it('exits 2 on bad usage', async () => {
    const cases = [
      [],
      [journal],
      [journal, '--public-key'],
      [journal, journal, '--public-key', publicKey],
      [journal, '--public-key', publicKey, '--frobnicate'],
      [join(dir, 'missing.jsonl'), '--public-key', publicKey],
      [journal, '--public-key', tsaCert],
      [journal, '--public-key', publicKey, '--tsa-cert', publicKey],
    ];
    for (const args of cases) {
      const run = await verifyJournalCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^verify-journal: .*\n\nUsage:/);
      expect(run.stdout).toBe('');
    }
  });

  it('prints its usage with --help and exits 0', async () => {
    const run = await verifyJournalCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: verify-journal/);
  });
});
