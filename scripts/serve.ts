/**
 * Runs the whole service on one machine: the SFU and signaling as two
 * processes sharing a control secret made for this run, signaling serving the
 * built web app. Stops both when either stops or on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SFU_CONTROL_SECRET: process.env.SFU_CONTROL_SECRET ?? randomBytes(32).toString('hex'),
  WEB_DIST: process.env.WEB_DIST ?? join(root, 'apps/web/dist'),
};
const sfuPort = env.SFU_CONTROL_PORT ?? '4001';
env.SFU_URL ??= `http://${env.SFU_CONTROL_HOST ?? '127.0.0.1'}:${sfuPort}`;

const children: ChildProcess[] = [];
let stopping = false;

function stop(code: number): void {
  if (stopping) {
    return;
  }
  stopping = true;
  for (const child of children) {
    child.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  ).then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

function run(name: string, script: string): void {
  const child = spawn(process.execPath, [join(root, script)], { env, stdio: 'inherit' });
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping\n`);
      stop(code === 0 ? 1 : (code ?? 1));
    }
  });
}

run('sfu', 'apps/sfu/src/main.ts');
run('signaling', 'apps/signaling/src/main.ts');
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
