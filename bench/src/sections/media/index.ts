/**
 * Sections `media` (issue 13, item 1: our SFU against Janus VideoRoom) and
 * `capacity` (item 6: what this machine carries through our SFU). Each runs
 * its job in a child process inside a fresh network namespace (netns.ts:
 * Janus needs an interface other than loopback), which inherits this
 * process's pinning: the child is the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchContext, Section } from '../../core/context.ts';
import type { SectionResult } from '../../core/figure.ts';
import type { ChildArgs, JobName, JobResult } from './job.ts';
import { namespaceArgs, spawnInNamespace } from './netns.ts';

/** Bounds of a whole job (the child is killed past them). */
const JOB_TIMEOUT_MS: Record<JobName, number> = { media: 15 * 60_000, capacity: 12 * 60_000 };

async function runJob(context: BenchContext, job: JobName): Promise<{ result: JobResult; network: string }> {
  const workDir = join(context.workDir, `media-${job}`);
  await mkdir(workDir, { recursive: true });
  const nsArgs = namespaceArgs();
  const args: ChildArgs = {
    job,
    root: context.root,
    runs: context.runs,
    quick: context.quick,
    pinning: context.pinning,
    workDir,
    resultFile: join(workDir, 'result.json'),
    network: nsArgs ? 'namespace' : 'loopback',
  };
  const childArgs = [join(import.meta.dirname, 'child.ts'), JSON.stringify(args)];
  const child: ChildProcess = nsArgs
    ? spawnInNamespace(nsArgs, process.execPath, childArgs)
    : spawn(process.execPath, childArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) {
      createInterface({ input: stream }).on('line', (line) => context.log(line));
    }
  }
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      context.log(`${job}: the child ran past ${JOB_TIMEOUT_MS[job] / 60_000} min; stopping it`);
      child.kill('SIGTERM');
    }, JOB_TIMEOUT_MS[job]);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) {
    throw new Error(`the ${job} benchmark's process exited with ${code}`);
  }
  const result = JSON.parse(readFileSync(args.resultFile, 'utf8')) as JobResult;
  return {
    result,
    network: nsArgs
      ? `private network namespace (unshare ${nsArgs.join(' ')}) with a veth pair`
      : 'loopback (no namespace could be made: Janus skipped)',
  };
}

function section(id: JobName, title: string): Section {
  return {
    id,
    title,
    async run(context: BenchContext): Promise<SectionResult> {
      const started = performance.now();
      const { result, network } = await runJob(context, id);
      return {
        id,
        title,
        figures: result.figures,
        series: result.series,
        notes: [...result.notes, `Ran on: ${network}.`],
        pinning:
          `${context.pinning.text}; our SFU (one mediasoup worker)${id === 'media' ? ' and Janus' : ''} on the ` +
          'system-under-test core, the bots in one process on the load core',
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}

export const mediaSection: Section = section('media', 'Media plane vs Janus');
export const capacitySection: Section = section('capacity', 'Capacity on this machine');
