import type { KeyObject } from 'node:crypto';
import { CHECKPOINT_TYPE, type JournalEntry } from './JournalEntry.ts';
import { JournalError } from './JournalError.ts';
import { verifyJournal } from './verifyJournal.ts';

/** The last entry of an existing journal: where a writer continuing it starts from. */
export interface JournalTail {
  seq: number;
  hash: string;
  type: string;
  at: number;
  sessionId: string;
  keyId: string;
  /** Entries after the last checkpoint: the continuing writer's count towards its next one. */
  sinceCheckpoint: number;
}

export interface ReadJournalTailOptions {
  /** Keys the existing entries may be signed with (see `publicKeyMap`); usually the writer's own. */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** PEM certificates of the trusted time-stamping authorities, as for `verifyJournal`. */
  tsaCertificates?: readonly string[];
  /** The session the journal must belong to. */
  sessionId?: string;
}

export interface JournalTailReport {
  /** `undefined` when the journal holds no complete line (its first write never finished). */
  last: JournalTail | undefined;
  /** Bytes of the complete lines: where the next entry goes. */
  length: number;
  /** Bytes after the last newline: a write that never finished, to be cut away. */
  tornBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Reads an existing journal (the bytes of its file) for a writer that continues it.
 *
 * The sink writes each entry as one line, newline included, and fsyncs it before the writer
 * reports the entry written. So bytes after the last newline can only be a write that was cut
 * short (a crash mid-write, or zeros a filesystem left after one): that entry was never reported,
 * the action it recorded never took effect, and it is reported as `tornBytes` for the caller to cut
 * away, even when the bytes happen to hold a whole entry without its newline.
 *
 * Every complete line must verify (hash, chain, seq, signature, session, time-stamps), or this
 * throws `JournalError` ('unverifiable', the failure as `cause`): a journal altered in the middle is
 * not continued, nor cut back to its last good entry, which would destroy the evidence. Its
 * verifier names the first bad line; the next session starts a new file.
 */
export async function readJournalTail(
  bytes: Uint8Array,
  options: ReadJournalTailOptions,
): Promise<JournalTailReport> {
  const length = bytes.lastIndexOf(NEWLINE) + 1;
  const tornBytes = bytes.length - length;
  if (length === 0) {
    return { last: undefined, length, tornBytes };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('utf8');
  const report = await verifyJournal(text, {
    publicKeys: options.publicKeys,
    ...(options.tsaCertificates ? { tsaCertificates: options.tsaCertificates } : {}),
  });
  if (!report.ok) {
    const failure = report.failure!;
    throw new JournalError(
      'unverifiable',
      `the journal does not verify at line ${failure.line} (${failure.reason}): ${failure.message}`,
      { cause: failure },
    );
  }
  if (options.sessionId !== undefined && report.sessionId !== options.sessionId) {
    throw new JournalError(
      'unverifiable',
      `the journal is session ${report.sessionId}, not ${options.sessionId}`,
    );
  }
  const lines = text.split('\n');
  lines.pop();
  const last = JSON.parse(lines[lines.length - 1]!) as JournalEntry;
  let sinceCheckpoint = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if ((JSON.parse(lines[i]!) as JournalEntry).type === CHECKPOINT_TYPE) {
      break;
    }
    sinceCheckpoint++;
  }
  return {
    last: {
      seq: last.seq,
      hash: last.hash,
      type: last.type,
      at: last.at,
      sessionId: last.sessionId,
      keyId: last.keyId,
      sinceCheckpoint,
    },
    length,
    tornBytes,
  };
}
