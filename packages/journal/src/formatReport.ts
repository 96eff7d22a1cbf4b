import type { JournalReport, TimeStampReport, VerifyFailureReason } from './verifyJournal.ts';

const EXPLANATIONS: Record<VerifyFailureReason, string> = {
  'empty-journal': 'the journal holds no entry',
  'malformed-line': 'the line is not a well-formed journal entry (cut short, blank, or edited by hand)',
  'hash-mismatch': 'the content of the entry was changed after it was written',
  'broken-chain': 'the entry does not follow the one before it: an entry was deleted, inserted or moved',
  'seq-gap': 'the sequence numbers do not follow on',
  'session-mismatch': 'the entry belongs to another session',
  'bad-signature': "the entry's signature is not valid",
  'unknown-key': 'the entry was signed with a key that was not given',
  'timestamp-invalid': 'a time-stamp token does not verify for the entry it anchors',
};

/** The clerk's report: plain English, one fact per line. */
export function formatReport(report: JournalReport, source: string): string {
  const out: string[] = [`Journal: ${source}`];
  if (report.sessionId !== undefined) {
    out.push(`Session: ${report.sessionId}`);
  }
  out.push(`Lines read: ${report.lines}; entries verified: ${report.verified}`);
  if (report.firstAt !== undefined && report.lastAt !== undefined) {
    out.push(`Service clock: ${iso(report.firstAt)} to ${iso(report.lastAt)}`);
  }
  if (report.keyIds.length > 0) {
    out.push(`Signing keys: ${report.keyIds.join(', ')}`);
  }
  const stamps = report.timestamps;
  out.push(`Time-stamps: ${stamps.length === 0 ? 'none' : ''}`.trimEnd());
  for (const stamp of stamps) {
    out.push(`  ${describeStamp(stamp)}`);
  }
  if (report.ok) {
    if (report.unanchored > 0) {
      out.push(
        `Note: the last ${report.unanchored} event(s) come after the last time-stamp; their time rests on the service clock only.`,
      );
    }
    if (stamps.some((stamp) => stamp.status === 'untrusted')) {
      out.push(
        'Note: time-stamps were checked without a TSA certificate (--tsa-cert): their authority is not confirmed.',
      );
    }
    out.push(
      'Result: VERIFIED: chain complete, every signature valid' +
        (stamps.some((stamp) => stamp.status !== 'not-obtained') ? ', every time-stamp token valid.' : '.'),
    );
  } else if (report.failure) {
    const { line, seq, reason, message, timeStampReason } = report.failure;
    out.push(
      `Result: FAILED at line ${line}${seq === undefined ? '' : ` (seq ${seq})`}: ${reason}` +
        `${timeStampReason ? ` (${timeStampReason})` : ''}`,
      `  ${EXPLANATIONS[reason]}.`,
      `  Detail: ${message}`,
      `  The ${report.verified} entries before this line verified.`,
    );
  }
  return `${out.join('\n')}\n`;
}

function describeStamp(stamp: TimeStampReport): string {
  const where = `seq ${stamp.seq} anchors seq ${stamp.anchoredSeq}`;
  switch (stamp.status) {
    case 'trusted':
    case 'untrusted': {
      const skew = stamp.skewMs === undefined ? '' : `, ${formatSkew(stamp.skewMs)}`;
      const trust = stamp.status === 'trusted' ? 'trusted' : 'authority not checked';
      return `${where}: ${stamp.genTime?.toISOString()} by ${stamp.tsaName} (${trust}${skew})`;
    }
    case 'not-obtained':
      return `${where}: no token, the authority failed at writing time (${stamp.failure?.reason ?? 'unknown'}: ${stamp.failure?.message ?? ''})`;
    default: {
      const never: never = stamp.status;
      return never;
    }
  }
}

function formatSkew(ms: number): string {
  const seconds = Math.abs(ms) / 1000;
  return ms >= 0
    ? `${seconds.toFixed(1)} s after the entry's recorded time`
    : `${seconds.toFixed(1)} s BEFORE the entry's recorded time: the service clock was ahead`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
