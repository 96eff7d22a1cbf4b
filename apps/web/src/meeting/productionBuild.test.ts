/**
 * What ships: the production bundle carries neither the browser tests' hooks
 * (window.__meeting, VITE_TEST_HOOKS) nor the benchmark's E2EE-off control
 * (VITE_BENCH_E2EE_OFF). Both are build-time flags the bundler folds away;
 * the test builds the app as scripts/start.sh does and reads every emitted
 * script. The control: the same build with both flags carries both.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const WEB_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FLAGS = ['VITE_TEST_HOOKS', 'VITE_BENCH_E2EE_OFF'] as const;
const dirs: string[] = [];

/** Builds the app with the given flags; answers the emitted JavaScript, joined. */
async function bundle(flags: Partial<Record<(typeof FLAGS)[number], string>>): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'web-build-'));
  dirs.push(outDir);
  const saved = Object.fromEntries(FLAGS.map((f) => [f, process.env[f]]));
  for (const flag of FLAGS) {
    delete process.env[flag];
  }
  Object.assign(process.env, flags);
  try {
    await build({
      root: WEB_ROOT,
      configFile: join(WEB_ROOT, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    for (const flag of FLAGS) {
      if (saved[flag] === undefined) {
        delete process.env[flag];
      } else {
        process.env[flag] = saved[flag];
      }
    }
  }
  const files = (await readdir(join(outDir, 'assets'))).filter((f) => f.endsWith('.js'));
  const texts = await Promise.all(files.map((f) => readFile(join(outDir, 'assets', f), 'utf8')));
  return texts.join('\n');
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the production bundle', () => {
  it('has no test hooks and no way to turn E2EE off; a build with the flags has both', async () => {
    const production = await bundle({});
    expect(production).toContain('Rejoindre');
    expect(production).not.toContain('__meeting');
    // The wrong-key negative control (worker and page side) is not in it either.
    expect(production).not.toContain('installWrongKeyForTest');
    expect(production).not.toContain('BENCH CONTROL BUILD');
    const flagged = await bundle({ VITE_TEST_HOOKS: 'true', VITE_BENCH_E2EE_OFF: 'true' });
    expect(flagged).toContain('__meeting');
    expect(flagged).toContain('BENCH CONTROL BUILD');
    expect(flagged).toContain('installWrongKeyForTest');
  }, 120_000);
});
