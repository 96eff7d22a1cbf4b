/**
 * The two web builds the join is measured on, made from the current sources:
 * - apps/web/dist-test: as shipped, with the browser tests' hooks (window.__meeting);
 * - apps/web/dist-bench: the same with VITE_BENCH_E2EE_OFF=true, the control
 *   without E2EE transforms (apps/web/src/meeting/browserMeetingFlow.ts).
 * And a guard: a production build must not contain the control's code path.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUILD_TIMEOUT_MS = 180_000;
/**
 * Strings of the control's code path (the log line of browserMeetingFlow.ts, the stub of
 * benchE2eeOff.ts): in the control build only, if the bundler dropped the branch elsewhere.
 */
export const OFF_MARKERS: readonly string[] = ['BENCH CONTROL BUILD', 'no chat in the bench control build'];

/** Newest modification time (ms) of the files under `dir`, node_modules and builds left out. */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('dist')) {
      continue;
    }
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The web app's inputs: its sources and the workspace packages it bundles. */
function sourcesMtime(root: string): number {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src'));
  return Math.max(newestMtime(join(root, 'apps/web')), ...packages.map(newestMtime));
}

function builtMtime(dist: string): number {
  try {
    return statSync(join(dist, 'index.html')).mtimeMs;
  } catch {
    return 0;
  }
}

async function build(root: string, outDir: string, env: Record<string, string>): Promise<void> {
  await run('npm', ['run', 'build', '--workspace', 'apps/web', '--', '--outDir', outDir, '--emptyOutDir'], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Whether any JavaScript file of the build (source maps left out: they carry the source text) holds `text`. */
export function buildContains(dist: string, text: string): boolean {
  const assets = join(dist, 'assets');
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .some((name) => readFileSync(join(assets, name), 'utf8').includes(text));
}

export interface WebBuilds {
  shipped: string;
  control: string;
  /** What was built or checked, for the notes. */
  text: string;
}

export async function prepareBuilds(
  root: string,
  workDir: string,
  log: (m: string) => void,
): Promise<WebBuilds> {
  const shipped = join(root, 'apps/web/dist-test');
  const control = join(root, 'apps/web/dist-bench');
  const sources = sourcesMtime(root);
  if (builtMtime(shipped) < sources) {
    log('building apps/web/dist-test (absent or older than the sources)');
    await build(root, 'dist-test', { VITE_TEST_HOOKS: 'true' });
  }
  log('building apps/web/dist-bench (E2EE off, control)');
  await build(root, 'dist-bench', { VITE_TEST_HOOKS: 'true', VITE_BENCH_E2EE_OFF: 'true' });
  const production = join(workDir, 'web-production');
  log('building a production bundle to check that E2EE cannot be turned off in it');
  await build(root, production, {});
  for (const marker of OFF_MARKERS) {
    if (buildContains(production, marker) || buildContains(shipped, marker)) {
      throw new Error(`the E2EE-off path ("${marker}") is in a production or shipped build`);
    }
    if (!buildContains(control, marker)) {
      throw new Error(`the control build (dist-bench) lacks the E2EE-off path ("${marker}")`);
    }
  }
  return {
    shipped,
    control,
    text:
      `builds: apps/web/dist-test (as shipped + test hooks) and apps/web/dist-bench (same + VITE_BENCH_E2EE_OFF=true); ` +
      `checked: the off path's strings (${OFF_MARKERS.map((m) => `"${m}"`).join(', ')}) are in dist-bench's JavaScript ` +
      `and absent from dist-test's and from a production build's (source maps aside).`,
  };
}
