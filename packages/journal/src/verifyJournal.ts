import type { KeyObject } from 'node:crypto';
import type * as pkijs from 'pkijs';
import { parseCheckpoint } from './Checkpoint.ts';
import { canonicalJson } from './canonicalJson.ts';
import {
  CHECKPOINT_TYPE,
  GENESIS_PREV,
  hashedBytes,
  parseEntry,
  sha256Hex,
  type JournalEntry,
} from './JournalEntry.ts';
import { verifyEntrySignature } from './JournalSigner.ts';
import { certificatesFromPem } from './timestamp/certificates.ts';
import { TimeStampError, type TimeStampErrorReason } from './timestamp/TimeStampError.ts';
import { verifyTimeStampToken } from './timestamp/TimeStampToken.ts';

export const verifyFailureReasons = [
  /** No entry at all. */
  'empty-journal',
  /** A line that is not the canonical JSON of a well-formed entry (cut short, edited by hand, blank). */
  'malformed-line',
  /** The entry's content does not hash to its `hash`: it was changed after it was written. */
  'hash-mismatch',
  /** The entry's `prev` is not the hash of the entry before it: an entry was deleted, inserted or moved. */
  'broken-chain',
  /** Chain intact but `seq` does not follow on (a writer fault, or entries re-signed by the key holder). */
  'seq-gap',
  /** The entry names another session than the first entry. */
  'session-mismatch',
  /** The signature does not verify with the key the entry names. */
  'bad-signature',
  /** The entry was signed with a key that is not among the public keys given. */
  'unknown-key',
  /** A checkpoint whose time-stamp token does not verify, is for other data, or comes from an untrusted authority. */
  'timestamp-invalid',
] as const;
export type VerifyFailureReason = (typeof verifyFailureReasons)[number];

export interface VerifyJournalOptions {
  /** keyId → Ed25519 public key (see `publicKeyMap`). */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /**
   * PEM texts of the trusted time-stamping certificates: the authority's own certificate or a CA
   * above it. Without them, tokens are still checked (signature, imprint, key usage) but reported
   * as `untrusted`.
   */
  tsaCertificates?: readonly string[];
}

export interface TimeStampReport {
  /** Line and seq of the checkpoint entry. */
  line: number;
  seq: number;
  /** The entry the token is for; it covers every entry before it through the chain. */
  anchoredSeq: number;
  anchoredHash: string;
  /**
   * 'trusted': verified and issued by a trusted authority; 'untrusted': verified, but no TSA
   * certificate was given to trust; 'not-obtained': the writer could not get a token (`failure`).
   */
  status: 'trusted' | 'untrusted' | 'not-obtained';
  authority: string;
  genTime?: Date;
  tsaName?: string;
  serial?: string;
  accuracyMs?: number;
  /** genTime minus the anchored entry's `at`: how far the service clock was behind the authority. */
  skewMs?: number;
  failure?: { reason: TimeStampErrorReason; message: string };
}

export interface JournalFailure {
  /** 1-based line of the entry (or index + 1 when entries were passed as objects). */
  line: number;
  /** The entry's seq, when the line was readable enough to have one. */
  seq: number | undefined;
  reason: VerifyFailureReason;
  message: string;
  /** For 'timestamp-invalid', why the token was refused. */
  timeStampReason?: TimeStampErrorReason;
}

export interface JournalReport {
  ok: boolean;
  sessionId: string | undefined;
  /** Lines read (non-empty input), and entries verified before the first failure (all when ok). */
  lines: number;
  verified: number;
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** Key ids of the verified entries, in order of first use. */
  keyIds: string[];
  timestamps: TimeStampReport[];
  /** Verified event entries after the last entry a token anchors: their time rests on the service clock alone. */
  unanchored: number;
  failure?: JournalFailure;
}

interface Previous {
  entry: JournalEntry;
  bytes: Buffer;
}

class Refusal {
  readonly reason: VerifyFailureReason;
  readonly message: string;
  readonly timeStampReason: TimeStampErrorReason | undefined;

  constructor(reason: VerifyFailureReason, message: string, timeStampReason?: TimeStampErrorReason) {
    this.reason = reason;
    this.message = message;
    this.timeStampReason = timeStampReason;
  }
}

/**
 * Verifies a journal offline: every line well-formed and canonical, every hash, the chain of
 * `prev`, `seq` without gaps, one session, every signature, and every checkpoint's time-stamp token
 * (CMS signature, imprint = the anchored entry's hash, authority trusted). Stops at the first
 * failure, which it names by line, seq and reason. Never throws for bad input; throws `TypeError`
 * for bad options (a TSA certificate that does not parse).
 */
export async function verifyJournal(
  input: string | readonly unknown[],
  options: VerifyJournalOptions,
): Promise<JournalReport> {
  let anchors: pkijs.Certificate[] = [];
  for (const pem of options.tsaCertificates ?? []) {
    try {
      anchors = [...anchors, ...certificatesFromPem(pem)];
    } catch (error) {
      throw new TypeError('a TSA certificate does not parse', { cause: error });
    }
  }
  const items = typeof input === 'string' ? splitLines(input) : input;
  const report: JournalReport = {
    ok: false,
    sessionId: undefined,
    lines: items.length,
    verified: 0,
    firstAt: undefined,
    lastAt: undefined,
    keyIds: [],
    timestamps: [],
    unanchored: 0,
  };
  if (items.length === 0) {
    report.failure = {
      line: 1,
      seq: undefined,
      reason: 'empty-journal',
      message: 'the journal has no entry',
    };
    return report;
  }
  let previous: Previous | undefined;
  for (let index = 0; index < items.length; index++) {
    const line = index + 1;
    const item = items[index];
    const read = readEntry(item, typeof input === 'string');
    if (typeof read === 'string') {
      report.failure = { line, seq: seqOf(item), reason: 'malformed-line', message: read };
      return report;
    }
    const { entry, bytes } = read;
    const refusal = await check(entry, bytes, previous, report, options.publicKeys, anchors, line);
    if (refusal !== undefined) {
      report.failure = {
        line,
        seq: entry.seq,
        reason: refusal.reason,
        message: refusal.message,
        ...(refusal.timeStampReason && { timeStampReason: refusal.timeStampReason }),
      };
      return report;
    }
    report.sessionId ??= entry.sessionId;
    report.firstAt ??= entry.at;
    report.lastAt = entry.at;
    if (!report.keyIds.includes(entry.keyId)) {
      report.keyIds.push(entry.keyId);
    }
    if (entry.type !== CHECKPOINT_TYPE) {
      report.unanchored++;
    }
    report.verified++;
    previous = { entry, bytes };
  }
  report.ok = true;
  return report;
}

async function check(
  entry: JournalEntry,
  bytes: Buffer,
  previous: Previous | undefined,
  report: JournalReport,
  publicKeys: ReadonlyMap<string, KeyObject>,
  anchors: readonly pkijs.Certificate[],
  line: number,
): Promise<Refusal | undefined> {
  const hash = sha256Hex(bytes);
  if (hash !== entry.hash) {
    return new Refusal('hash-mismatch', `the content hashes to ${hash}, not to the recorded ${entry.hash}`);
  }
  if (report.sessionId !== undefined && entry.sessionId !== report.sessionId) {
    return new Refusal('session-mismatch', `session ${entry.sessionId}, not ${report.sessionId}`);
  }
  const expectedPrev = previous?.entry.hash ?? GENESIS_PREV;
  if (entry.prev !== expectedPrev) {
    return new Refusal(
      'broken-chain',
      previous === undefined
        ? `the first line holds seq ${entry.seq} whose prev is not the genesis value: the journal's start is missing`
        : `prev is not the hash of the entry before it (seq ${previous.entry.seq}): an entry was deleted, inserted or moved here`,
    );
  }
  const expectedSeq = previous === undefined ? 0 : previous.entry.seq + 1;
  if (entry.seq !== expectedSeq) {
    return new Refusal('seq-gap', `seq ${entry.seq} where ${expectedSeq} was expected`);
  }
  const key = publicKeys.get(entry.keyId);
  if (key === undefined) {
    return new Refusal(
      'unknown-key',
      `signed with key ${entry.keyId}, which is not among the public keys given`,
    );
  }
  if (!verifyEntrySignature(key, entry.hash, entry.signature)) {
    return new Refusal('bad-signature', `the signature does not verify with key ${entry.keyId}`);
  }
  if (entry.type === CHECKPOINT_TYPE) {
    return checkCheckpoint(entry, previous, report, anchors, line);
  }
  return undefined;
}

async function checkCheckpoint(
  entry: JournalEntry,
  previous: Previous | undefined,
  report: JournalReport,
  anchors: readonly pkijs.Certificate[],
  line: number,
): Promise<Refusal | undefined> {
  const parsed = parseCheckpoint(entry.data);
  if (typeof parsed === 'string') {
    return new Refusal('timestamp-invalid', `checkpoint data: ${parsed}`);
  }
  const { anchor, authority } = parsed.data;
  if (previous === undefined || anchor.seq !== previous.entry.seq || anchor.hash !== previous.entry.hash) {
    return new Refusal(
      'timestamp-invalid',
      `the checkpoint anchors seq ${anchor.seq}, not the entry just before it`,
    );
  }
  const base = { line, seq: entry.seq, anchoredSeq: anchor.seq, anchoredHash: anchor.hash, authority };
  if (parsed.token === undefined) {
    const failure = 'failure' in parsed.data ? parsed.data.failure : undefined;
    report.timestamps.push({ ...base, status: 'not-obtained', ...(failure && { failure }) });
    return undefined;
  }
  try {
    const stamp = await verifyTimeStampToken(parsed.token, previous.bytes, anchors);
    report.timestamps.push({
      ...base,
      status: stamp.trusted ? 'trusted' : 'untrusted',
      genTime: stamp.genTime,
      tsaName: stamp.tsaName,
      serial: stamp.serial,
      ...(stamp.accuracyMs !== undefined && { accuracyMs: stamp.accuracyMs }),
      skewMs: stamp.genTime.getTime() - previous.entry.at,
    });
    report.unanchored = 0;
    return undefined;
  } catch (error) {
    if (error instanceof TimeStampError) {
      return new Refusal('timestamp-invalid', error.message, error.reason);
    }
    throw error;
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  // Tolerate CRLF (a journal copied through a Windows tool): the \r is outside every entry.
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function readEntry(item: unknown, isText: boolean): { entry: JournalEntry; bytes: Buffer } | string {
  let value = item;
  if (isText) {
    const text = item as string;
    if (text.length === 0) {
      return 'blank line';
    }
    try {
      value = JSON.parse(text);
    } catch {
      return 'not JSON (cut short or edited)';
    }
  }
  const entry = parseEntry(value);
  if (typeof entry === 'string') {
    return entry;
  }
  try {
    const bytes = hashedBytes(entry);
    if (isText && canonicalJson(entry) !== item) {
      return 'not in canonical (RFC 8785) form: the line was rewritten';
    }
    return { entry, bytes };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Best effort: the seq of a line that failed to read, for the report. */
function seqOf(item: unknown): number | undefined {
  let value = item;
  if (typeof item === 'string') {
    try {
      value = JSON.parse(item);
    } catch {
      // Cut short: in canonical order `seq` comes right after `prev`; the last such pair is the entry's.
      const matches = [...item.matchAll(/"prev":"[0-9a-f]{64}","seq":(\d+),/g)];
      const last = matches[matches.length - 1];
      return last ? Number(last[1]) : undefined;
    }
  }
  const seq = (value as { seq?: unknown } | null)?.seq;
  return Number.isSafeInteger(seq) ? (seq as number) : undefined;
}
