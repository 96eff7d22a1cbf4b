/**
 * A real child process for cluster tests, in a process group of its own, so
 * that a test can SIGKILL, SIGSTOP or SIGCONT it with everything it forked
 * (nginx's workers, mediasoup's workers). Some programs move their children
 * out of the group (PostgreSQL's backends each call setsid()): signals and
 * kills also go to the leader's descendants, found in /proc.
 *
 * Nothing may outlive the test process:
 * - stop() and kill() end the group and the descendants, and wait (bounded)
 *   until none is left;
 * - each child is started through `setpriv --pdeathsig KILL`, so the kernel
 *   kills it when the test process dies, however it dies (PostgreSQL's
 *   backends then end by themselves: they watch their postmaster);
 * - a process 'exit' handler SIGKILLs every live group and every descendant
 *   seen;
 * - one watchdog bash per test process SIGKILLs the groups still listed in
 *   its file once the test process is gone (grandchildren pdeathsig does not
 *   reach, should the test process be SIGKILLed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { aliveProcess, readStat, snapshot, treeOf, type ProcessId } from './procfs.ts';

export { groupAlive } from './procfs.ts';

/** How long a process may take to end after its stop signal before it gets SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** How long a process and its descendants may take to disappear after SIGKILL. */
const KILL_WAIT_MS = 5_000;
/** How often the watchdog checks that the test process is still alive. */
const WATCHDOG_PERIOD_S = 1;

export interface ManagedProcessOptions {
  /** For messages: `redis`, `node-2`, ... */
  name: string;
  command: string;
  args: readonly string[];
  /** The whole environment of the child (nothing is inherited). */
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (a restart appends to the same file). */
  logPath: string;
  cwd?: string;
  /** Run as this OS user (root only): PostgreSQL refuses to run as root. */
  user?: string;
}

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every process started here, for the exit handler, the watchdog and leak checks. */
const all: ManagedProcess[] = [];
/** Temporary directories to remove should the test process die before it removes them. */
const tempDirs = new Set<string>();
let watchdog: { file: string; dirsFile: string; child: ChildProcess } | undefined;

/**
 * Has `dir` removed by the watchdog should the test process die without
 * removing it; call the returned function once it was removed.
 */
export function trackTempDir(dir: string): () => void {
  tempDirs.add(dir);
  syncWatchdog();
  return () => {
    tempDirs.delete(dir);
    syncWatchdog();
  };
}

function syncWatchdog(): void {
  const live = all.filter((p) => !p.released).map((p) => p.pid);
  if (live.length === 0) {
    if (watchdog) {
      watchdog.child.kill('SIGKILL');
      rmSync(dirname(watchdog.file), { recursive: true, force: true });
      watchdog = undefined;
    }
    return;
  }
  if (!watchdog) {
    const dir = mkdtempSync(join(tmpdir(), 'confidentiel-watchdog-'));
    const file = join(dir, 'groups');
    const dirsFile = join(dir, 'dirs');
    writeFileSync(file, '');
    writeFileSync(dirsFile, '');
    // Runs apart from the test process (its own group, no pdeathsig): it must
    // outlive it. The directories go once their processes had a second to die.
    const script =
      `while kill -0 ${process.pid} 2>/dev/null; do sleep ${WATCHDOG_PERIOD_S}; done; ` +
      `for g in $(cat "${file}"); do kill -KILL -- "-$g" 2>/dev/null; done; sleep 1; ` +
      `while read -r d; do [ -n "$d" ] && rm -rf -- "$d"; done <"${dirsFile}"; rm -rf -- "${dir}"`;
    const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
    child.unref();
    watchdog = { file, dirsFile, child };
  }
  writeFileSync(watchdog.file, live.join('\n'));
  writeFileSync(watchdog.dirsFile, [...tempDirs].map((d) => `${d}\n`).join(''));
}

process.once('exit', () => {
  for (const p of all) {
    p.killNow();
  }
  if (watchdog) {
    watchdog.child.kill('SIGKILL');
    rmSync(dirname(watchdog.file), { recursive: true, force: true });
  }
});

/**
 * Processes started by this test process (leaders and descendants seen) that
 * are still alive, as `name:pid`; [] once everything was stopped.
 */
export function leftoverProcesses(): string[] {
  return all.flatMap((p) => p.leftovers().map((pid) => `${p.name}:${pid}`));
}

/** Every process group this test process started (alive or not). */
export function startedGroups(): readonly number[] {
  return all.map((p) => p.pid);
}

export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<ExitStatus>;
  readonly #start: string;
  /** Descendants seen at some point (PostgreSQL's backends leave the group). */
  readonly #seen = new Map<number, ProcessId>();
  #status: ExitStatus | undefined;
  #released = false;

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logPath = options.logPath;
    mkdirSync(dirname(options.logPath), { recursive: true });
    const fd = openSync(options.logPath, 'a');
    writeSync(fd, `=== ${new Date().toISOString()} ${options.name}: starting ${options.command} ===\n`);
    const setpriv = [
      ...(options.user ? [`--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups'] : []),
      '--pdeathsig',
      'KILL',
      '--',
      options.command,
      ...options.args,
    ];
    try {
      // detached: setsid(), so the child leads a process group of its own;
      // setpriv execs the command, so the pid is the command's.
      this.#child = spawn('setpriv', setpriv, {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    // A spawn failure (setpriv missing) is reported here, not as an uncaught 'error'.
    this.#child.once('error', () => undefined);
    if (this.#child.pid === undefined) {
      throw new Error(`${this.name}: could not start ${options.command}`);
    }
    this.#start = readStat(this.#child.pid)?.start ?? '';
    all.push(this);
    syncWatchdog();
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#status = { code, signal };
        resolve(this.#status);
      });
    });
  }

  /** The process id, which is also its process group id. */
  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#status === undefined;
  }

  /** How it ended, once it has. */
  get exitStatus(): ExitStatus | undefined {
    return this.#status;
  }

  /** Resolves when the process itself has ended. */
  get exited(): Promise<ExitStatus> {
    return this.#exited;
  }

  /** True once kill() saw the process and all its descendants gone. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * SIGSTOP, SIGCONT and SIGKILL go to the group and every descendant (a
   * frozen PostgreSQL is all of its processes frozen); any other signal to
   * the process itself, which stops its children its own way (as systemd's
   * KillMode=mixed). No-op once they are gone.
   */
  signal(signal: NodeJS.Signals): void {
    if (signal !== 'SIGSTOP' && signal !== 'SIGCONT' && signal !== 'SIGKILL') {
      this.#scan();
      if (this.running) {
        send(this.pid, signal);
      }
      return;
    }
    for (const p of this.#scan()) {
      send(p.pid, signal);
    }
  }

  /**
   * Ends the process: SIGCONT, `signal` (SIGTERM unless told), SIGKILL to
   * everything after `graceMs`; resolves once none is left (see
   * kill()). Safe to call twice and after the process died.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.running) {
      // A frozen process would not act on its stop signal.
      this.signal('SIGCONT');
      this.signal(signal);
      await Promise.race([this.#exited, delay(graceMs, undefined, { ref: false })]);
    }
    await this.kill();
  }

  /**
   * SIGKILLs the group and every descendant, frozen first (SIGSTOP) so that
   * none forks meanwhile; waits until they are gone (at most KILL_WAIT_MS,
   * then throws).
   */
  async kill(): Promise<void> {
    this.signal('SIGSTOP');
    this.killNow();
    if (this.running) {
      await Promise.race([this.#exited, delay(KILL_WAIT_MS, undefined, { ref: false })]);
    }
    const deadline = Date.now() + KILL_WAIT_MS;
    while (this.leftovers().length > 0 && Date.now() < deadline) {
      this.killNow();
      await delay(50);
    }
    const left = this.leftovers();
    if (left.length > 0) {
      throw new Error(
        `${this.name}: processes ${left.join(', ')} still alive ${KILL_WAIT_MS} ms after SIGKILL`,
      );
    }
    this.#released = true;
    syncWatchdog();
  }

  /** SIGKILL to the group and every descendant, now (synchronous: for the exit handler too). */
  killNow(): void {
    this.#scan();
    send(-this.pid, 'SIGKILL');
    for (const p of this.#seen.values()) {
      if (aliveProcess(p)) {
        send(p.pid, 'SIGKILL');
      }
    }
  }

  /** Pids of this process, its group and the descendants seen, still alive. */
  leftovers(): number[] {
    const left = new Set<number>();
    if (aliveProcess({ pid: this.pid, start: this.#start })) {
      left.add(this.pid);
    }
    for (const p of this.#seen.values()) {
      if (aliveProcess(p)) {
        left.add(p.pid);
      }
    }
    for (const [pid, stat] of snapshot()) {
      if (stat.pgid === this.pid) {
        left.add(pid);
      }
    }
    return [...left];
  }

  /** The group and the leader's descendants now, remembered in #seen. */
  #scan(): ProcessId[] {
    const tree = aliveProcess({ pid: this.pid, start: this.#start })
      ? treeOf(this.pid, this.pid)
      : treeOf(-1, this.pid);
    for (const p of tree) {
      this.#seen.set(p.pid, p);
    }
    return tree;
  }
}

export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** Resolves to `value` after `ms`, without keeping the process alive (for races against a bound). */
export function after<T>(ms: number, value: T): Promise<T> {
  return delay(ms, value, { ref: false });
}

/**
 * Polls `check` every `intervalMs` until it returns true; throws after
 * `timeoutMs` (with `what` and the last error in the message), or at once
 * when `gone()` says the process it waits for has ended.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  options: { intervalMs?: number; gone?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const reason = options.gone?.();
    if (reason !== undefined) {
      throw new Error(`${what}: ${reason}`);
    }
    try {
      if (await check()) {
        return;
      }
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last})` : ''}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
