#!/usr/bin/env node
// Verifies a session journal offline: node verify-journal.ts journal.jsonl --public-key pub.pem [--tsa-cert tsa.pem]
// Exit status: 0 verified, 1 not verified (the report names the entry), 2 bad usage or unreadable input.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatReport } from '../formatReport.ts';
import { publicKeyFromPem } from '../keyFiles.ts';
import { publicKeyMap } from '../JournalSigner.ts';
import { verifyJournal } from '../verifyJournal.ts';

const USAGE = `Usage: verify-journal <journal.jsonl> --public-key <service-pub.pem> [--public-key <older.pem>] [--tsa-cert <tsa.pem>]...

Checks that every entry of a session journal is present, unaltered, in order and signed by the
service, and that every time-stamp token verifies against the time-stamping authority's certificate.
Exit status: 0 verified, 1 not verified, 2 bad usage.
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'public-key': { type: 'string', multiple: true },
        'tsa-cert': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError('give exactly one journal file');
  }
  const keyFiles = values['public-key'] ?? [];
  if (keyFiles.length === 0) {
    throw new UsageError('--public-key is required');
  }
  const journalPath = positionals[0]!;
  const keys = await Promise.all(
    keyFiles.map(async (path) => {
      const pem = await readInput(path);
      try {
        return publicKeyFromPem(pem, path);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    }),
  );
  const tsaCertificates = await Promise.all((values['tsa-cert'] ?? []).map(readInput));
  const text = await readInput(journalPath);
  let report;
  try {
    report = await verifyJournal(text, {
      publicKeys: publicKeyMap(keys),
      tsaCertificates,
    });
  } catch (error) {
    if (error instanceof TypeError) {
      throw new UsageError(
        `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`,
      );
    }
    throw error;
  }
  process.stdout.write(formatReport(report, journalPath));
  return report.ok ? 0 : 1;
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`verify-journal: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `verify-journal: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  }
}
