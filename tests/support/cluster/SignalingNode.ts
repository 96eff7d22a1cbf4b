/**
 * One signaling node of a cluster test: `node apps/signaling/src/main.ts`
 * with its own port and NODE_ID and the cluster's shared settings, as a real
 * child process a test can kill (any signal), freeze, and restart on the same
 * port with the same settings. Its log (every start appended) is `logPath`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, ManagedProcess, STOP_GRACE_MS, waitFor } from './ManagedProcess.ts';

/** How long a node may take to answer /readyz 200 (listening, SFU connected) after a start. */
export const NODE_READY_TIMEOUT_MS = 30_000;
/** How long kill('SIGTERM' | 'SIGINT' | 'SIGKILL') waits for the node to end. */
export const NODE_EXIT_TIMEOUT_MS = 10_000;

/**
 * What start() and restart() wait for: `ready` = /readyz 200 (its
 * dependencies up), `listening` = /healthz 200 (up, whatever its
 * dependencies say: use it while Redis or the SFU is down).
 */
export type NodeReadiness = 'ready' | 'listening';

export interface SignalingNodeOptions {
  /** NODE_ID: `node-1`, `node-2`, ... */
  id: string;
  port: number;
  root: string;
  /** The node's whole environment (PORT and NODE_ID included). */
  env: NodeJS.ProcessEnv;
  logPath: string;
}

export class SignalingNode {
  readonly id: string;
  readonly port: number;
  /** The node itself, bypassing nginx: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** nginx's name for it in `$upstream_addr` (X-Cluster-Upstream, access log). */
  readonly upstream: string;
  readonly logPath: string;
  readonly #options: SignalingNodeOptions;
  #process: ManagedProcess | undefined;
  #starts = 0;

  constructor(options: SignalingNodeOptions) {
    this.#options = options;
    this.id = options.id;
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
    this.upstream = `127.0.0.1:${options.port}`;
    this.logPath = options.logPath;
  }

  /** Process id of the node now running; undefined once it ended. */
  get pid(): number | undefined {
    return this.#process?.running ? this.#process.pid : undefined;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  /** How many times it was started (1 after the cluster started). */
  get starts(): number {
    return this.#starts;
  }

  /** Starts the node (it must not be running); resolves once `wait` holds (NODE_READY_TIMEOUT_MS). */
  async start(wait: NodeReadiness = 'ready'): Promise<void> {
    if (this.running) {
      throw new Error(`${this.id}: start() while running`);
    }
    this.#starts++;
    const proc = new ManagedProcess({
      name: this.id,
      command: process.execPath,
      args: [join(this.#options.root, 'apps/signaling/src/main.ts')],
      cwd: this.#options.root,
      env: this.#options.env,
      logPath: this.logPath,
    });
    this.#process = proc;
    const path = wait === 'ready' ? '/readyz' : '/healthz';
    await waitFor(
      `${this.id} ${path} 200 on ${this.url}`,
      async () => (await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) })).status === 200,
      NODE_READY_TIMEOUT_MS,
      {
        intervalMs: 200,
        gone: () => (proc.running ? undefined : `exited (${describe(proc)}); see ${this.logPath}`),
      },
    );
  }

  /**
   * Sends `signal` to the node (SIGKILL unless told). For SIGKILL, SIGTERM
   * and SIGINT, resolves once it has ended and throws if it has not within
   * NODE_EXIT_TIMEOUT_MS (it is left running; stop() ends it). SIGSTOP and
   * SIGCONT return at once.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.#process;
    if (!proc?.running) {
      return;
    }
    if (signal === 'SIGKILL') {
      await proc.kill();
      return;
    }
    proc.signal(signal);
    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      const ended = await Promise.race([proc.exited.then(() => true), after(NODE_EXIT_TIMEOUT_MS, false)]);
      if (!ended) {
        throw new Error(`${this.id}: still running ${NODE_EXIT_TIMEOUT_MS} ms after ${signal}`);
      }
    }
  }

  /**
   * Stops the node if it runs (SIGTERM, SIGKILL after STOP_GRACE_MS), then
   * starts it again on the same port with the same settings.
   */
  async restart(wait: NodeReadiness = 'ready'): Promise<void> {
    await this.stop();
    await this.start(wait);
  }

  /** Ends the node (SIGCONT if frozen, SIGTERM, SIGKILL after STOP_GRACE_MS). Safe to call twice. */
  async stop(): Promise<void> {
    await this.#process?.stop('SIGTERM', STOP_GRACE_MS);
  }

  /** Everything the node wrote so far (all its starts). */
  log(): Promise<string> {
    return readFile(this.logPath, 'utf8').catch(() => '');
  }
}

function describe(proc: ManagedProcess): string {
  const status = proc.exitStatus;
  return status ? String(status.code ?? status.signal) : 'running';
}
