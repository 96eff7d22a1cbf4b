/**
 * A virtual X display (Debian's Xvfb) for a headed Firefox: headless Firefox has no screen to
 * capture and ESR 153 has no fake display source, so sharing one's screen from Firefox needs a
 * display. Xvfb listens on a unix socket only (`-nolisten tcp`), inside the test's namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export const XVFB_PATH = '/usr/bin/Xvfb';
/** How long Xvfb may take to say which display it took. */
const START_TIMEOUT_MS = 15_000;

export interface VirtualDisplay {
  /** For the DISPLAY environment variable, e.g. `:99`. */
  readonly display: string;
  /** Stops Xvfb. Idempotent. */
  stop(): Promise<void>;
}

/** Starts Xvfb on the first free display (`-displayfd`: it writes the number it took). */
export function startXvfb(): Promise<VirtualDisplay> {
  const child: ChildProcess = spawn(
    XVFB_PATH,
    ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<VirtualDisplay>((resolve, reject) => {
    let said = '';
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Xvfb gave no display within ${START_TIMEOUT_MS} ms: ${stderr.slice(-500)}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      said += chunk.toString('utf8');
      const match = /^(\d+)\n/.exec(said);
      if (match) {
        clearTimeout(timer);
        resolve({ display: `:${match[1]}`, stop });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${String(code)}: ${stderr.slice(-500)}`));
    });
  });
}
