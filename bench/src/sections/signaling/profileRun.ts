/**
 * Why a join costs what it costs: one extra load on a service whose Node
 * processes run with `--cpu-prof`, then signaling's profile summarised over
 * the load's window only (start-up and module loading left out). The
 * profiler slows the process a little: this run's CPU is not quoted, only
 * its shares.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdentityKeys } from '@confidentiel/protocol';
import type { BenchContext } from '../../core/context.ts';
import { startService } from '../../core/service.ts';
import { measureLoad, type BotCounter, type Measured } from './measure.ts';
import type { LoadPlan } from './openLoop.ts';
import { summarizeProfile, type ProfileSummary } from './profile.ts';

/** How long signaling may take to write its profile after the service stops. */
const PROFILE_WAIT_MS = 15_000;

export interface ProfiledLoad {
  measured: Measured;
  summary: ProfileSummary;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export async function profileLoad(
  context: BenchContext,
  webDist: string,
  plan: LoadPlan,
  identities: readonly IdentityKeys[],
  bots: BotCounter,
): Promise<ProfiledLoad> {
  const dir = join(context.workDir, 'profiles');
  const service = await startService({
    root: context.root,
    pinning: context.pinning,
    workDir: context.workDir,
    webDist,
    env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` },
  });
  const deployment = {
    name: 'profiled',
    nodes: [{ baseUrl: service.url, origin: service.url }],
    parts: [{ part: 'signaling', pids: [service.signalingPid] }],
    mainPid: service.signalingPid,
  };
  let measured: Measured;
  let from: number;
  let to: number;
  try {
    // Warm first (JIT, first SQLite pages), as the measured runs are.
    await measureLoad(deployment, { ...plan, joins: Math.min(plan.joins, 100) }, identities, bots);
    from = monotonicUs();
    measured = await measureLoad(deployment, plan, identities, bots);
    to = monotonicUs();
  } finally {
    await service.close();
  }
  // Node writes the profile as the process exits (signaling stops on SIGTERM).
  const deadline = Date.now() + PROFILE_WAIT_MS;
  for (;;) {
    const files = await readdir(dir).catch(() => [] as string[]);
    const file = files.find((f) => f.includes(`.${service.signalingPid}.`) && f.endsWith('.cpuprofile'));
    if (file) {
      try {
        return { measured, summary: summarizeProfile(join(dir, file), context.root, from, to) };
      } catch (error) {
        // Still being written (not JSON yet): try again until the deadline.
        if (Date.now() > deadline) {
          throw error;
        }
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`signaling wrote no CPU profile in ${dir}`);
    }
    await sleep(250);
  }
}
