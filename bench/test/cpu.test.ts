import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuMeter } from '../src/core/cpu.ts';

const children: ChildProcess[] = [];
/** CPU the busy tree must reach; the wait is bounded (a loaded CI machine gives a spinner a small share). */
const BUSY_TARGET_MS = 150;
const WAIT_LIMIT_MS = 10_000;

/** An idle node process whose child spins (busy) or idles: only a meter that counts descendants sees the spin. */
async function tree(busy: boolean): Promise<ChildProcess> {
  const body = busy ? 'for(;;){}' : 'setInterval(()=>{},1000)';
  const script = `require('child_process').spawn(process.execPath,['-e',${JSON.stringify(body)}],{stdio:'ignore'});setInterval(()=>{},1000)`;
  // Its own process group, so that the test kills the grandchild with it.
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore', detached: true });
  children.push(child);
  await sleep(300);
  return child;
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve();
    // The whole group: the process and the grandchild it spawned.
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;
  }
});

describe('CPU of a process tree', () => {
  it("counts a descendant's CPU, and almost nothing for an idle tree over the same time", async () => {
    const busy = await tree(true);
    const idle = await tree(false);
    const busyMeter = new CpuMeter([busy.pid as number]);
    const idleMeter = new CpuMeter([idle.pid as number]);
    busyMeter.start();
    idleMeter.start();
    const deadline = Date.now() + WAIT_LIMIT_MS;
    let busyMs = 0;
    while (busyMs < BUSY_TARGET_MS && Date.now() < deadline) {
      await sleep(100);
      busyMs = busyMeter.stop();
    }
    const idleMs = idleMeter.stop();
    expect(busyMs).toBeGreaterThanOrEqual(BUSY_TARGET_MS);
    expect(idleMs).toBeLessThan(busyMs / 4);
  });
});
