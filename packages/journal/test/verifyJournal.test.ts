import { describe, expect, it } from 'vitest';
import {
  JournalSigner,
  TimeStampError,
  publicKeyMap,
  verifyJournal,
  type JournalReport,
  type TimeStampSource,
  type VerifyFailureReason,
} from '../src/index.ts';
import { buildJournal, joinLines, linesOf, resign, verifyLines } from './support/journals.ts';

function failure(report: JournalReport): {
  line: number;
  seq: number | undefined;
  reason: VerifyFailureReason;
} {
  expect(report.ok).toBe(false);
  const { line, seq, reason } = report.failure!;
  return { line, seq, reason };
}

describe('verifyJournal: tampering', () => {
  it('names the entry whose content changed by one byte (hash-mismatch)', async () => {
    const { lines, keys } = await buildJournal(8);
    const k = 4;
    expect(lines[k]).toContain('"title":"Budget 2027"');
    lines[k] = lines[k]!.replace('Budget 2027', 'Budget 2028');
    const report = await verifyLines(lines, keys);
    expect(failure(report)).toEqual({ line: k + 1, seq: k, reason: 'hash-mismatch' });
    expect(report.verified).toBe(k);
  });

  it('detects every one-bit change anywhere in an entry, at that entry', async () => {
    const { lines, keys } = await buildJournal(6);
    const k = 3;
    const original = lines[k]!;
    expect(/^[\x20-\x7e]+$/.test(original)).toBe(true);
    const reasons = new Set<string>();
    for (let i = 0; i < original.length; i++) {
      const flipped = String.fromCharCode(original.charCodeAt(i) ^ 1);
      if (flipped === '\n' || flipped === '\r') {
        continue;
      }
      const copy = [...lines];
      copy[k] = original.slice(0, i) + flipped + original.slice(i + 1);
      const report = await verifyLines(copy, keys);
      expect(report.ok, `flip at ${i}`).toBe(false);
      expect(report.failure!.line, `flip at ${i}`).toBe(k + 1);
      reasons.add(report.failure!.reason);
    }
    expect([...reasons].sort()).toEqual(['bad-signature', 'hash-mismatch', 'malformed-line']);
  });

  it('names the entry after a deleted one (broken-chain at the right seq)', async () => {
    const { lines, keys } = await buildJournal(8);
    lines.splice(5, 1);
    expect(failure(await verifyLines(lines, keys))).toEqual({ line: 6, seq: 6, reason: 'broken-chain' });
  });

  it('refuses a journal whose first entry was deleted', async () => {
    const { lines, keys } = await buildJournal(4);
    const report = await verifyLines(lines.slice(1), keys);
    expect(failure(report)).toEqual({ line: 1, seq: 1, reason: 'broken-chain' });
    expect(report.failure!.message).toMatch(/start is missing/);
  });

  it('names the first of two swapped entries', async () => {
    const { lines, keys } = await buildJournal(8);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    const report = await verifyLines(lines, keys);
    expect(failure(report)).toEqual({ line: 4, seq: 4, reason: 'broken-chain' });
    expect(report.failure!.message).toMatch(/seq 2/);
  });

  it('refuses a replayed (duplicated) entry', async () => {
    const { lines, keys } = await buildJournal(6);
    lines.splice(3, 0, lines[2]!);
    expect(failure(await verifyLines(lines, keys))).toEqual({ line: 4, seq: 2, reason: 'broken-chain' });
  });

  it('names an entry signed by another key under the service key id (bad-signature)', async () => {
    const { entries, keys } = await buildJournal(6);
    const intruder = JournalSigner.generate();
    const k = 2;
    entries[k] = { ...entries[k]!, signature: intruder.sign(entries[k]!.hash) };
    expect(failure(await verifyLines(linesOf(entries), keys))).toEqual({
      line: 3,
      seq: 2,
      reason: 'bad-signature',
    });
  });

  it('names an entry signed with a key that was not given (unknown-key)', async () => {
    const { entries, keys, signer } = await buildJournal(6);
    const other = JournalSigner.generate();
    // The tail re-signed with another key: chain and signatures consistent, key not given.
    const relinked = resign(entries, other, 3);
    const report = await verifyLines(linesOf(relinked), keys);
    expect(failure(report)).toEqual({ line: 4, seq: 3, reason: 'unknown-key' });
    // The same journal verifies when both keys are given (a key rotation).
    const both = publicKeyMap([signer.publicKey, other.publicKey]);
    expect((await verifyLines(linesOf(relinked), both)).ok).toBe(true);
  });

  it('refuses a truncated last line (a write cut short) and names it', async () => {
    const { lines, keys } = await buildJournal(5);
    const text = joinLines(lines);
    const cut = text.slice(0, text.length - 40);
    const report = await verifyJournal(cut, { publicKeys: keys });
    expect(failure(report)).toEqual({ line: 5, seq: 4, reason: 'malformed-line' });
    expect(report.verified).toBe(4);
  });

  it('accepts a journal without its final newline, and with CRLF line ends', async () => {
    const { text, keys } = await buildJournal(3);
    expect((await verifyJournal(text.slice(0, -1), { publicKeys: keys })).ok).toBe(true);
    expect((await verifyJournal(text.replaceAll('\n', '\r\n'), { publicKeys: keys })).ok).toBe(true);
  });

  it('refuses blank lines, reformatted lines and extra fields as malformed', async () => {
    const { lines, keys } = await buildJournal(4);
    const blank = [...lines.slice(0, 2), '', ...lines.slice(2)];
    expect(failure(await verifyLines(blank, keys))).toMatchObject({ line: 3, reason: 'malformed-line' });

    const pretty = [...lines];
    pretty[1] = JSON.stringify(JSON.parse(pretty[1]!), null, 1).replaceAll('\n', '');
    expect(failure(await verifyLines(pretty, keys))).toEqual({ line: 2, seq: 1, reason: 'malformed-line' });

    const extra = [...lines];
    extra[2] = extra[2]!.replace('{"at"', '{"added":true,"at"');
    expect(failure(await verifyLines(extra, keys))).toEqual({ line: 3, seq: 2, reason: 'malformed-line' });
  });

  it('refuses an empty journal', async () => {
    const report = await verifyJournal('', { publicKeys: new Map() });
    expect(failure(report)).toEqual({ line: 1, seq: undefined, reason: 'empty-journal' });
  });

  it('exposes a key holder who renumbers entries (seq-gap) or mixes sessions', async () => {
    const { entries, signer, keys } = await buildJournal(5);
    const renumbered = resign(
      entries.map((entry) => (entry.seq >= 3 ? { ...entry, seq: entry.seq + 1 } : entry)),
      signer,
    );
    expect(failure(await verifyLines(linesOf(renumbered), keys))).toEqual({
      line: 4,
      seq: 4,
      reason: 'seq-gap',
    });

    const mixed = resign(
      entries.map((entry) => (entry.seq === 2 ? { ...entry, sessionId: 'other' } : entry)),
      signer,
    );
    expect(failure(await verifyLines(linesOf(mixed), keys))).toEqual({
      line: 3,
      seq: 2,
      reason: 'session-mismatch',
    });
  });

  it('verifies entries passed as objects, naming their index + 1 as line', async () => {
    const { entries, keys } = await buildJournal(4);
    expect((await verifyJournal(entries, { publicKeys: keys })).ok).toBe(true);
    const changed = entries.map((entry) => structuredClone(entry));
    changed[2]!.data = { member: 'mallory' };
    expect(failure(await verifyJournal(changed, { publicKeys: keys }))).toEqual({
      line: 3,
      seq: 2,
      reason: 'hash-mismatch',
    });
    expect(failure(await verifyJournal([null], { publicKeys: keys }))).toMatchObject({
      reason: 'malformed-line',
    });
  });

  it('refuses a checkpoint whose token is not a time-stamp token', async () => {
    const authority: TimeStampSource = {
      url: 'http://tsa.invalid/',
      stamp: () =>
        Promise.resolve({
          token: Buffer.from('not DER at all'),
          genTime: new Date(),
          tsaName: 'fake',
          serial: '01',
          policy: '1.2.3',
          imprint: '',
          nonce: undefined,
          accuracyMs: undefined,
        }),
    };
    const { lines, keys } = await buildJournal(3, { timeStamping: { authority, every: 2 } });
    const report = await verifyLines(lines, keys);
    expect(failure(report)).toEqual({ line: 3, seq: 2, reason: 'timestamp-invalid' });
    expect(report.failure!.timeStampReason).toBe('malformed');
  });

  it('refuses a checkpoint that anchors another entry than the one before it', async () => {
    const authority: TimeStampSource = {
      url: 'http://tsa.invalid/',
      stamp: () => Promise.reject(new TimeStampError('unreachable', 'down')),
    };
    const { entries, signer, keys } = await buildJournal(4, { timeStamping: { authority, every: 2 } });
    expect(entries[2]!.type).toBe('timestamp');
    const moved = structuredClone(entries);
    (moved[2]!.data.anchor as { seq: number }).seq = 0;
    const report = await verifyLines(linesOf(resign(moved, signer, 0, false)), keys);
    expect(failure(report)).toEqual({ line: 3, seq: 2, reason: 'timestamp-invalid' });
  });
});
