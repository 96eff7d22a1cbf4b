import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuMeter } from '../src/core/cpu.ts';

const children: ChildProcess[] = [];

/** A node process that spins (busy) or sleeps, with a child of its own doing the same. */
async function tree(busy: boolean): Promise<ChildProcess> {
  const body = busy ? 'for(;;){}' : 'setInterval(()=>{},1000)';
  const script = `require('child_process').spawn(process.execPath,['-e',${JSON.stringify(body)}],{stdio:'ignore'});${body}`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(child);
  await sleep(300);
  return child;
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    // The grandchild dies with its process group.
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    child.kill('SIGKILL');
    if (child.exitCode === null) {
      await once(child, 'exit');
    }
  }
});

describe('CPU of a process tree', () => {
  it('counts a busy process and its busy child, and almost nothing for idle ones', async () => {
    const busy = await tree(true);
    const idle = await tree(false);
    const busyMeter = new CpuMeter([busy.pid as number]);
    const idleMeter = new CpuMeter([idle.pid as number]);
    busyMeter.start();
    idleMeter.start();
    await sleep(600);
    const busyMs = busyMeter.stop();
    const idleMs = idleMeter.stop();
    // Two spinning processes over 600 ms: well above one process's worth on any machine with 2 cores.
    expect(busyMs).toBeGreaterThan(500);
    expect(idleMs).toBeLessThan(60);
  });
});
