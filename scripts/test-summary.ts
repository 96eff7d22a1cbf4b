/**
 * Prints one closing line "N passed, N failed[, N skipped]" from the runners'
 * JSON reports; argv[3] is the number of failed checks (lint, format, types),
 * each counted as one failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.tools/reports';
let passed = 0;
let failed = Number(process.argv[3] ?? 0);
let skipped = 0;

const vitestFile = join(dir, 'vitest.json');
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + v.numTodoTests;
} else {
  failed += 1;
}

const playwrightFile = join(dir, 'playwright.json');
if (existsSync(playwrightFile)) {
  const p = JSON.parse(readFileSync(playwrightFile, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    errors?: unknown[];
  };
  passed += p.stats.expected + p.stats.flaky;
  failed += p.stats.unexpected + (p.errors?.length ?? 0);
  skipped += p.stats.skipped;
} else {
  failed += 1;
}

process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 ? 1 : 0);
