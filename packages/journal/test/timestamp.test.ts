// Time-stamping against a real RFC 3161 authority: `openssl ts -reply` behind a local HTTP server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JournalSigner,
  JournalWriter,
  MemoryJournalSink,
  TimeStamper,
  publicKeyMap,
  hashedBytes,
  readTimeStampToken,
  sha256Hex,
  verifyTimeStampToken,
  certificatesFromPem,
  type JournalEntry,
  type TimeStampError,
} from '../src/index.ts';
import { buildJournal, linesOf, resign, verifyLines } from './support/journals.ts';
import { createCa, openssl, startTsa, type TestCa, type TestTsa } from './support/opensslTsa.ts';

let tsa: TestTsa;
let otherCa: TestCa;
let dir: string;

beforeAll(async () => {
  tsa = await startTsa();
  dir = await mkdtemp(join(tmpdir(), 'journal-ts-test-'));
  otherCa = await createCa(dir, 'other-ca', 'Test Root CA');
});

afterAll(async () => {
  await tsa?.close();
  await rm(dir, { recursive: true, force: true });
});

function stamper(): TimeStamper {
  return new TimeStamper({ url: tsa.url });
}

async function anchoredJournal(count: number, every: number) {
  return buildJournal(count, { now: Date.now, timeStamping: { authority: stamper(), every } });
}

function checkpoints(entries: readonly JournalEntry[]): JournalEntry[] {
  return entries.filter((entry) => entry.type === 'timestamp');
}

describe('time-stamping with a real RFC 3161 authority (openssl ts)', () => {
  it('anchors the chain every N entries and at close; the verifier trusts the TSA through its CA', async () => {
    const before = tsa.answered;
    const start = Date.now();
    const { lines, entries, keys } = await anchoredJournal(7, 3);
    const end = Date.now();
    expect(entries.map((entry) => entry.type === 'timestamp')).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      true,
    ]);
    expect(tsa.answered - before).toBe(3);
    expect(checkpoints(entries).map((entry) => entry.data.anchor)).toEqual(
      [2, 6, 8].map((seq) => ({ seq, hash: entries[seq]!.hash })),
    );

    const report = await verifyLines(lines, keys, [tsa.ca.pem]);
    expect(report.ok).toBe(true);
    expect(report.unanchored).toBe(0);
    expect(report.timestamps.map((stamp) => [stamp.line, stamp.anchoredSeq, stamp.status])).toEqual([
      [4, 2, 'trusted'],
      [8, 6, 'trusted'],
      [10, 8, 'trusted'],
    ]);
    for (const stamp of report.timestamps) {
      expect(stamp.tsaName).toBe('O=Journal tests, CN=Test TSA');
      expect(stamp.authority).toBe(tsa.url);
      // genTime has whole seconds (clock_precision_digits 0).
      expect(stamp.genTime!.getTime()).toBeGreaterThanOrEqual(Math.floor(start / 1000) * 1000);
      expect(stamp.genTime!.getTime()).toBeLessThanOrEqual(end);
      expect(Math.abs(stamp.skewMs!)).toBeLessThan(5_000);
      expect(stamp.accuracyMs).toBe(1000);
    }
  });

  it('trusts the pinned TSA certificate itself as well', async () => {
    const { lines, keys } = await anchoredJournal(2, 5);
    const report = await verifyLines(lines, keys, [tsa.certPem]);
    expect(report.ok).toBe(true);
    expect(report.timestamps.map((stamp) => stamp.status)).toEqual(['trusted']);
  });

  it('without a TSA certificate, checks the tokens but reports them untrusted', async () => {
    const { lines, keys } = await anchoredJournal(2, 5);
    const report = await verifyLines(lines, keys);
    expect(report.ok).toBe(true);
    expect(report.timestamps.map((stamp) => stamp.status)).toEqual(['untrusted']);
  });

  it('refuses the tokens when trusting another CA (even one with the same name)', async () => {
    const { lines, keys } = await anchoredJournal(4, 2);
    const report = await verifyLines(lines, keys, [otherCa.pem]);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({
      line: 3,
      seq: 2,
      reason: 'timestamp-invalid',
      timeStampReason: 'untrusted',
    });
  });

  it('refuses a token moved to another checkpoint: its imprint is another entry', async () => {
    const { entries, signer, keys } = await anchoredJournal(4, 2);
    const [first, second] = checkpoints(entries);
    expect(second!.seq).toBe(5);
    const forged = structuredClone(entries);
    forged[5]!.data = { ...forged[5]!.data, token: first!.data.token! };
    // Re-signed with the service key: only the token can tell.
    const report = await verifyLines(linesOf(resign(forged, signer)), keys, [tsa.ca.pem]);
    expect(report.failure).toMatchObject({
      line: 6,
      seq: 5,
      reason: 'timestamp-invalid',
      timeStampReason: 'mismatch',
    });
    expect(report.verified).toBe(5);
  });

  it('exposes a key holder who rewrites an anchored entry and re-signs the whole chain', async () => {
    const { entries, signer, keys } = await anchoredJournal(4, 2);
    const forged = structuredClone(entries);
    forged[0]!.data = { ...forged[0]!.data, chair: 'M. Dupont' };
    const rewritten = resign(forged, signer);
    const report = await verifyLines(linesOf(rewritten), keys, [tsa.ca.pem]);
    expect(report.failure).toMatchObject({
      line: 3,
      seq: 2,
      reason: 'timestamp-invalid',
      timeStampReason: 'mismatch',
    });
    // Without the checkpoints, that rewrite would have passed.
    const events = forged
      .filter((entry) => entry.type !== 'timestamp')
      .map((entry, seq) => ({ ...entry, seq }));
    const unanchored = resign(events, signer);
    expect((await verifyLines(linesOf(unanchored), keys)).ok).toBe(true);
  });

  it('refuses a token whose CMS signature was altered', async () => {
    const { entries, signer, keys } = await anchoredJournal(2, 2);
    const forged = structuredClone(entries);
    const token = Buffer.from(forged[2]!.data.token as string, 'base64');
    token[token.length - 1] = token[token.length - 1]! ^ 0x01;
    forged[2]!.data = { ...forged[2]!.data, token: token.toString('base64') };
    const report = await verifyLines(linesOf(resign(forged, signer)), keys, [tsa.ca.pem]);
    expect(report.failure).toMatchObject({
      line: 3,
      reason: 'timestamp-invalid',
      timeStampReason: 'bad-signature',
    });
  });

  it('produces tokens that `openssl ts -verify` accepts (interoperability)', async () => {
    const { entries } = await anchoredJournal(2, 2);
    const checkpoint = entries[2]!;
    const anchored = entries[1]!;
    const tokenPath = join(dir, 'token.der');
    const dataPath = join(dir, 'anchored.json');
    await writeFile(tokenPath, Buffer.from(checkpoint.data.token as string, 'base64'));
    await writeFile(dataPath, hashedBytes(anchored));
    expect(sha256Hex(hashedBytes(anchored))).toBe(anchored.hash);
    const byDigest = await openssl([
      'ts',
      '-verify',
      '-in',
      tokenPath,
      '-token_in',
      '-digest',
      anchored.hash,
      '-CAfile',
      tsa.ca.certPath,
    ]);
    expect(byDigest).toMatch(/Verification: OK/);
    const byData = await openssl([
      'ts',
      '-verify',
      '-in',
      tokenPath,
      '-token_in',
      '-data',
      dataPath,
      '-CAfile',
      tsa.ca.certPath,
    ]);
    expect(byData).toMatch(/Verification: OK/);
    await expect(
      openssl([
        'ts',
        '-verify',
        '-in',
        tokenPath,
        '-token_in',
        '-digest',
        entries[0]!.hash,
        '-CAfile',
        tsa.ca.certPath,
      ]),
    ).rejects.toThrow();
    await expect(
      openssl([
        'ts',
        '-verify',
        '-in',
        tokenPath,
        '-token_in',
        '-digest',
        anchored.hash,
        '-CAfile',
        otherCa.certPath,
      ]),
    ).rejects.toThrow();
  });

  it('keeps every entry when the authority fails, and anchors again once it is back', async () => {
    tsa.failWith(503);
    const failures: TimeStampError[] = [];
    const signer = JournalSigner.generate();
    const sink = new MemoryJournalSink();
    const writer = new JournalWriter({
      sessionId: 'commission-7',
      sink,
      signer,
      timeStamping: { authority: stamper(), every: 2 },
    });
    writer.on('timestamp-failed', (error) => failures.push(error));
    try {
      await writer.append('join', { member: 'a' });
      await writer.append('join', { member: 'b' });
    } finally {
      tsa.failWith(0);
    }
    await writer.append('vote', { for: 2 });
    await writer.close();
    expect(sink.entries.map((entry) => entry.type)).toEqual([
      'join',
      'join',
      'timestamp',
      'vote',
      'timestamp',
    ]);
    expect(failures.map((error) => error.reason)).toEqual(['http-error']);
    expect(sink.entries[2]!.data.failure).toEqual({
      reason: 'http-error',
      message: 'time-stamping authority answered HTTP 503',
    });
    const report = await verifyLines(sink.lines, publicKeyMap([signer.publicKey]), [tsa.ca.pem]);
    expect(report.ok).toBe(true);
    expect(report.timestamps.map((stamp) => stamp.status)).toEqual(['not-obtained', 'trusted']);
  });
});

describe('TimeStamper', () => {
  it('reports an unreachable authority', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const unreachable = new TimeStamper({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000 });
    await expect(unreachable.stamp('00'.repeat(32))).rejects.toMatchObject({ reason: 'unreachable' });
  });

  it('refuses a replayed reply (nonce) and a reply for other data (imprint)', async () => {
    let captured: ArrayBuffer | undefined;
    const recording = new TimeStamper({
      url: tsa.url,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        captured = await response.arrayBuffer();
        return new Response(captured, { status: 200, headers: response.headers });
      },
    });
    const digest = sha256Hex(Buffer.from('minutes v2'));
    const stamp = await recording.stamp(digest);
    expect(stamp.imprint).toBe(digest);
    expect(readTimeStampToken(stamp.token).serial).toBe(stamp.serial);
    const replaying = new TimeStamper({
      url: tsa.url,
      fetch: () =>
        Promise.resolve(
          new Response(captured, {
            status: 200,
            headers: { 'content-type': 'application/timestamp-reply' },
          }),
        ),
    });
    await expect(replaying.stamp(digest)).rejects.toMatchObject({ reason: 'mismatch', message: /nonce/ });
    await expect(replaying.stamp(sha256Hex(Buffer.from('minutes v3')))).rejects.toMatchObject({
      reason: 'mismatch',
    });
  });

  it("reports the authority's refusal (a SHA-1 query openssl rejects)", async () => {
    const queryPath = join(dir, 'sha1.tsq');
    const replyPath = join(dir, 'sha1.tsr');
    await openssl(['ts', '-query', '-digest', 'ab'.repeat(20), '-sha1', '-cert', '-out', queryPath]);
    await openssl(['ts', '-reply', '-config', tsa.configPath, '-queryfile', queryPath, '-out', replyPath]);
    const reply = await readFile(replyPath);
    const refusing = new TimeStamper({
      url: tsa.url,
      fetch: () =>
        Promise.resolve(
          new Response(reply, { status: 200, headers: { 'content-type': 'application/timestamp-reply' } }),
        ),
    });
    await expect(refusing.stamp('00'.repeat(32))).rejects.toMatchObject({ reason: 'rejected' });
  });

  it('refuses non-HTTP URLs and malformed digests', async () => {
    expect(() => new TimeStamper({ url: 'file:///etc/passwd' })).toThrow(TypeError);
    await expect(stamper().stamp('xyz')).rejects.toThrow(TypeError);
  });

  it('verifies a token directly, for the content it covers only', async () => {
    const content = Buffer.from('{"any":"bytes"}');
    const stamp = await stamper().stamp(sha256Hex(content));
    const verified = await verifyTimeStampToken(stamp.token, content, certificatesFromPem(tsa.ca.pem));
    expect(verified).toMatchObject({ trusted: true, signerName: 'O=Journal tests, CN=Test TSA' });
    await expect(verifyTimeStampToken(stamp.token, Buffer.from('other'))).rejects.toMatchObject({
      reason: 'mismatch',
    });
  });
});
