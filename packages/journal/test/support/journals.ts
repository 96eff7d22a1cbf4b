// Builds journals for the tests, and rewrites them as a dishonest key holder would.
import type { KeyObject } from 'node:crypto';
import {
  CHECKPOINT_TYPE,
  GENESIS_PREV,
  JournalSigner,
  JournalWriter,
  MemoryJournalSink,
  entryLine,
  hashedBytes,
  publicKeyMap,
  sha256Hex,
  verifyJournal,
  type JournalEntry,
  type JournalReport,
  type JournalWriterOptions,
} from '../../src/index.ts';

export const START = Date.UTC(2026, 10, 23, 9, 0, 0);

/** A clock that moves one second per reading. */
export function steppingClock(start = START): () => number {
  let now = start - 1000;
  return () => (now += 1000);
}

export const EVENTS: [string, Record<string, unknown>][] = [
  ['session-opened', { chair: 'Mme Martin', agenda: ['budget', 'appointments'] }],
  ['join', { member: 'alice', role: 'member' }],
  ['join', { member: 'bob', role: 'member' }],
  ['admitted', { member: 'carol', by: 'chair' }],
  ['agenda', { item: 1, title: 'Budget 2027' }],
  ['floor', { member: 'bob' }],
  ['vote', { item: 1, for: 5, against: 2, abstain: 1 }],
  ['recording', { state: 'started' }],
  ['minutes-revised', { sha256: 'a'.repeat(64), revision: 2 }],
  ['leave', { member: 'bob' }],
];

export interface Built {
  signer: JournalSigner;
  sink: MemoryJournalSink;
  writer: JournalWriter;
  text: string;
  lines: string[];
  entries: JournalEntry[];
  keys: Map<string, KeyObject>;
}

/** Writes `count` events (cycling through EVENTS) and closes the writer. */
export async function buildJournal(
  count: number,
  options: Partial<JournalWriterOptions> = {},
): Promise<Built> {
  const signer = options.signer ?? JournalSigner.generate();
  const sink = new MemoryJournalSink();
  const writer = new JournalWriter({
    sessionId: 'bar-council-2026-11-23',
    now: steppingClock(),
    ...options,
    sink,
    signer,
  });
  for (let i = 0; i < count; i++) {
    const [type, data] = EVENTS[i % EVENTS.length]!;
    await writer.append(type, data);
  }
  await writer.close();
  return {
    signer,
    sink,
    writer,
    text: sink.text(),
    lines: [...sink.lines],
    entries: sink.entries.map((entry) => structuredClone(entry)),
    keys: publicKeyMap([signer.publicKey]),
  };
}

export function joinLines(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * What someone holding a signing key could do: keep the entries before `from`, and recompute
 * hash, prev and signature of every entry from `from` on, after changing them at will. Only a
 * time-stamp can expose it.
 */
export function resign(
  entries: readonly JournalEntry[],
  signer: JournalSigner,
  from = 0,
  fixAnchors = true,
): JournalEntry[] {
  const out = entries.slice(0, from).map((entry) => structuredClone(entry));
  let prev = from === 0 ? GENESIS_PREV : out[from - 1]!.hash;
  for (const entry of entries.slice(from)) {
    const content = { ...entry, prev, keyId: signer.keyId };
    if (fixAnchors && entry.type === CHECKPOINT_TYPE && out.length > 0) {
      // A thorough forger also points each checkpoint at the rewritten entry before it.
      content.data = { ...entry.data, anchor: { seq: out[out.length - 1]!.seq, hash: prev } };
    }
    const hash = sha256Hex(hashedBytes(content));
    out.push({ ...content, hash, signature: signer.sign(hash) });
    prev = hash;
  }
  return out;
}

export function linesOf(entries: readonly JournalEntry[]): string[] {
  return entries.map(entryLine);
}

export async function verifyLines(
  lines: readonly string[],
  keys: Map<string, KeyObject>,
  tsaCertificates?: string[],
): Promise<JournalReport> {
  return verifyJournal(joinLines(lines), { publicKeys: keys, ...(tsaCertificates && { tsaCertificates }) });
}
